/** RTSeg search. */
package org.rtseg.search;
