/** RTSeg latency. */
package org.rtseg.latency;
