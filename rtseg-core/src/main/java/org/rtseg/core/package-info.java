/** RTSeg core. */
package org.rtseg.core;
