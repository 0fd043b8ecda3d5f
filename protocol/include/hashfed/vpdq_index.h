#ifndef HASHFED_VPDQ_INDEX_H
#define HASHFED_VPDQ_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hashfed/common.h"
#include "hashfed/err.h"
#include "hashfed/index.h"
#include "hashfed/vpdq.h"
#include "hashfed/vpdq_match.h"

/*
 * Video index (docs/video.md): indexed videos' frame hashes live in a PDQ
 * index (hf_pdq_index, exact multi-index hashing), each keyed to its video;
 * a query video's frames gather candidate videos from it, and each candidate
 * is confirmed with Meta's rule (hashfed/vpdq_match.h). Because the PDQ index
 * returns every frame within the distance, the frame pairs it finds are all
 * the pairs the rule counts: the answer equals hf_vpdq_compare against every
 * indexed video (brute force), without touching videos that share no frame.
 *
 * The PDQ index may be the caller's own, shared with photo entries (then a
 * photo query also finds videos that contain the photo as a frame: tell the
 * refs apart with hf_vpdq_index_frame_ref), or one the video index owns.
 * Frame refs in the PDQ index have bit 63 set (HF_VPDQ_REF_TAG); the
 * caller's own PDQ refs must not.
 *
 * Stored per video: its frames of quality >= the PDQ index's minimum (50),
 * first of each distinct hash. Rule parameters with a quality below that
 * minimum behave as that minimum.
 *
 * Concurrency: one writer (_add, _remove, _free) and readers (_query*) must
 * not overlap; readers may run concurrently with each other. (The node runs
 * both on its main thread.)
 */
#define HF_VPDQ_REF_TAG          (1ull << 63)
#define HF_VPDQ_INDEX_MAX_FRAMES 16777215u /* frames of one indexed video (24-bit frame index) */

typedef struct hf_vpdq_index hf_vpdq_index;

/*
 * pdq: a PDQ index to share (not owned; it must outlive this index and
 * allow max_distance >= 30), or NULL to own one. Errors: HF_ENOMEM,
 * HF_ECONFIG (from hf_pdq_index_new).
 */
HF_API hf_err hf_vpdq_index_new(hf_vpdq_index **out, hf_pdq_index *pdq) HF_MUST_CHECK HF_NONNULL(1);
HF_API void hf_vpdq_index_free(hf_vpdq_index *idx);

/*
 * Index video v under ref (< HF_VPDQ_REF_TAG, unique). Writer. A video with
 * no frame of quality >= 50 is HF_ELOWQUALITY (it could never match).
 * Errors: HF_EEXIST, HF_EINVAL (ref tagged), HF_ETOOLONG, HF_ELOWQUALITY,
 * HF_ENOSPC, HF_ENOMEM; on error nothing was added.
 */
HF_API hf_err hf_vpdq_index_add(hf_vpdq_index *idx, const hf_vpdq *v, uint64_t ref) HF_MUST_CHECK
    HF_NONNULL(1, 2);
/* Writer. Errors: HF_ENOTFOUND, HF_ENOMEM. */
HF_API hf_err hf_vpdq_index_remove(hf_vpdq_index *idx, uint64_t ref) HF_MUST_CHECK HF_NONNULL(1);
/* Videos indexed, and frame hashes they put into the PDQ index. */
HF_API size_t hf_vpdq_index_count(const hf_vpdq_index *idx, size_t *frames) HF_NONNULL(1);

/* A PDQ index ref of one of our frames: its video's ref, frame number and
 * timestamp (any out pointer may be NULL). False for other refs. */
HF_API bool hf_vpdq_index_frame_ref(const hf_vpdq_index *idx, uint64_t pdq_ref, uint64_t *video_ref,
                                    uint32_t *frame, double *seconds) HF_NONNULL(1);

/* One matching video: its ref and the rule's result (ranges owned by the index
 * for the duration of the call). Return false to stop. */
typedef bool (*hf_vpdq_video_fn)(void *ctx, uint64_t ref, const hf_vpdq_match_result *r);

/*
 * Every indexed video that matches query q under p (hf_vpdq_compare with q
 * as the query and the indexed video as the compared one), in no particular
 * order. Reader. *n_candidates (if not NULL) gets the number of videos that
 * shared at least one frame. Errors: HF_ECONFIG (p), HF_EINVAL (p->distance
 * above the PDQ index's max_distance + 1), HF_ENOMEM.
 */
HF_API hf_err hf_vpdq_index_query(const hf_vpdq_index *idx, const hf_vpdq *q,
                                  const hf_vpdq_match_params *p, hf_vpdq_video_fn fn, void *ctx,
                                  size_t *n_candidates) HF_MUST_CHECK HF_NONNULL(1, 2, 3, 4);

/* One video frame near a still image. Return false to stop. */
typedef bool (*hf_vpdq_frame_fn)(void *ctx, uint64_t ref, uint32_t frame, double seconds,
                                 unsigned distance);
/*
 * Videos with a frame within max_distance (<=) of a still image's PDQ hash,
 * one call per frame. Reader. Errors: those of hf_pdq_index_query_cb.
 */
HF_API hf_err hf_vpdq_index_query_image(const hf_vpdq_index *idx,
                                        const uint8_t hash[HF_PDQ_HASH_LEN], int quality,
                                        unsigned max_distance, hf_vpdq_frame_fn fn,
                                        void *ctx) HF_MUST_CHECK HF_NONNULL(1, 2, 5);

#endif
