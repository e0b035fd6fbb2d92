/**
 * The paper's search (§Width search, §Block search, §Latency constraint, §Boosters): channel masks
 * with a straight-through estimator (eq. 3–6), Gumbel-softmax path choices (eq. 7), differentiable
 * cost regularisers (eq. 8–9), the boosted loss (eq. 10–12), trainers and subnet extraction (eq. 5).
 */
package org.rtseg.search;
