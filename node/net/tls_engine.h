#ifndef HFN_TLS_ENGINE_H
#define HFN_TLS_ENGINE_H

/*
 * hashfed's TLS engine for nng (issue 12, spec §11.8): nng 1.5.2 does not hand the peer
 * certificate to the application, so the node registers its own engine with
 * nng_tls_engine_register(). It is mbedTLS 2.28 as nng's built-in engine (same library,
 * TLS 1.2, the CA chain and CRL checked by mbedTLS), plus one step: after mbedTLS has
 * verified the chain, the SHA-256 of the peer's DER leaf certificate goes to the
 * config's check function, and a refusal fails the handshake. The transport uses it to
 * pin every link to the manifest's TLS fingerprints (HF_ETLSPEER).
 *
 * Only node/net/ uses it (nng layering).
 */
#include <stdint.h>

#include <nng/nng.h>
#include <nng/supplemental/tls/tls.h>

#include "hashfed/err.h"

#define HFN_TLS_FP_BYTES 32 /* SHA-256 of the DER certificate (HF_TLS_FP_LEN) */

/* Called on an nng thread during a handshake, after the chain verified: HF_OK accepts the
 * peer, anything else refuses it. Must not block on nng. */
typedef hf_err (*hfn_tls_check_fn)(void *ctx, const uint8_t fp[HFN_TLS_FP_BYTES]);

/* Registers the engine with nng (once per process; later calls are no-ops). Every
 * nng_tls_config allocated afterwards uses it. HF_EINTERNAL if nng refuses. */
hf_err hfn_tls_engine_install(void) HF_MUST_CHECK;

/* nng_tls_config_alloc() through the engine, with check (may be NULL: chain only) and its
 * ctx bound to the config. HF_EINTERNAL if the engine is not installed. */
hf_err hfn_tls_config_alloc(nng_tls_mode mode, hfn_tls_check_fn check, void *ctx,
                            nng_tls_config **out) HF_MUST_CHECK;

#endif
