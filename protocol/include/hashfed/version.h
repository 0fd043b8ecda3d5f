#ifndef HASHFED_VERSION_H
#define HASHFED_VERSION_H

/* The one version source; CMake parses these three lines. */
#define HF_VERSION_MAJOR  0
#define HF_VERSION_MINOR  1
#define HF_VERSION_PATCH  0
#define HF_VERSION_STRING "0.1.0"

/* Wire protocol version carried in every envelope header (spec §3). */
#define HF_PROTOCOL_VERSION 1

#endif
