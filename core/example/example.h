/*
 * example: a minimal protocol on core/consensus.h (`consensus.protocol: example`): a fixed
 * leader orders proposals and commits each once a fixed quorum holds it. Written as the
 * worked example of core/PROTOCOLS.md; no election, no repair.
 */
#ifndef ATLAS_CORE_EXAMPLE_EXAMPLE_H
#define ATLAS_CORE_EXAMPLE_EXAMPLE_H

#include "core/consensus.h"

extern const struct consensus_ops example_ops;

#endif
