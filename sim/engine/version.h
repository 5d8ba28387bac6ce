/*
 * version: the build's identity, "0.1.0 git 21af05a9be0b" (-dirty with uncommitted changes,
 * "unknown" outside a git checkout), written into scenario.resolved.yaml, summary.csv and
 * `atlas-sim --version` so that every result names the program that made it. Defined in a
 * source CMake generates at configure time (sim/engine/version.c.in), so that a new
 * revision recompiles that one file rather than every file through a compile definition.
 */
#ifndef ATLAS_SIM_ENGINE_VERSION_H
#define ATLAS_SIM_ENGINE_VERSION_H

extern const char atlas_build[];

#endif
