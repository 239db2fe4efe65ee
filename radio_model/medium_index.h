/* radio_model/medium_index.h — which nodes sit on a channel.
 *
 * The medium asks, for every frame, which nodes are on the transmitter's
 * channel; scanning every node of a large world for each frame costs
 * devices x frames. This index keeps, per channel, the nodes tuned to it in
 * the order they were attached (the order the medium draws its random
 * numbers in, so using the index changes no output). Adding, removing and
 * moving a node cost O(nodes on that channel); a lookup is O(1).
 *
 * Contract: channel numbers 0..MEDIUM_INDEX_CHANNELS-1; `order` is unique
 * per node and fixed for its life (its attach index). Functions return 0 or
 * SIM_ENOMEM / SIM_EINVAL. Not thread-safe, like the rest of the engine. */
#ifndef LINKRIG_RADIO_MODEL_MEDIUM_INDEX_H
#define LINKRIG_RADIO_MODEL_MEDIUM_INDEX_H

#include <stddef.h>

#define MEDIUM_INDEX_CHANNELS 178 /* 2.4 GHz 1..14, 5 GHz 32..177 */

typedef struct medium_index medium_index;

medium_index *medium_index_create(void);
void medium_index_destroy(medium_index *ix);
/* Puts node (with its attach order) on channel, keeping attach order. */
int medium_index_add(medium_index *ix, int channel, void *node, size_t order);
/* Takes it off again (no-op when it is not there). */
void medium_index_remove(medium_index *ix, int channel, size_t order);
/* The nodes on channel, in attach order; *n their count. Valid until the
 * next add or remove on that channel. */
void *const *medium_index_nodes(const medium_index *ix, int channel, size_t *n);

#endif
