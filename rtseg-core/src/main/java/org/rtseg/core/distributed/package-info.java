/**
 * Data-parallel training across processes and machines: the {@link org.rtseg.core.distributed.Communicator}
 * of the processes of a run, bound to Open MPI ({@link org.rtseg.core.distributed.OpenMpi}) when the
 * process was launched by {@code mpirun}. See docs/distributed.md.
 */
package org.rtseg.core.distributed;
