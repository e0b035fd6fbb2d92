/** RTSeg data. */
package org.rtseg.data;
