#ifndef HASHFED_LIMITS_H
#define HASHFED_LIMITS_H

/*
 * Every protocol limit, as a named constant. spec/PROTOCOL.md §8 has the same
 * table; tests/unit/test_limits.c checks that the two agree (constcheck).
 * Format of each line the checker reads: `#define NAME VALUE` with an integer VALUE.
 */

/* Encoding (spec §2) */
#define HF_MAX_MESSAGE_SIZE 16777216 /* total size cap of one encoded message (16 MiB) */
#define HF_MAX_DEPTH        8        /* msgpack nesting depth */
#define HF_MAX_MAP_KEYS     32       /* keys in one map */
#define HF_MAX_ARRAY_LEN    65536    /* elements of any array unless a field says less */
#define HF_MAX_STR_LEN      4096     /* string unless a field says less */
#define HF_MAX_KEY_NUM      63       /* map keys are positive fixints 1..63 */

/* Identities (spec §4) */
#define HF_KEYID_LEN   16
#define HF_SIGN_PK_LEN 32
#define HF_SIGN_SK_LEN 64
#define HF_SIG_LEN     64
#define HF_ENC_PK_LEN  32
#define HF_ENC_SK_LEN  32
#define HF_MSGID_LEN   16
#define HF_FEDID_LEN   16

/* Envelope (spec §5) */
#define HF_MAX_RECIPIENTS    256
#define HF_MAX_BODY_SIZE     16000000 /* plaintext body */
#define HF_CONTENT_KEY_LEN   32
#define HF_XNONCE_LEN        24
#define HF_AEAD_TAG_LEN      16
#define HF_HPKE_ENC_LEN      32
#define HF_WRAP_CT_LEN       48 /* content key + tag */
#define HF_COMMIT_LEN        32
#define HF_COMMIT_SALT_LEN   32
#define HF_MAX_CLOCK_SKEW_MS 300000     /* created may be at most 5 min ahead of now */
#define HF_MAX_LIFETIME_MS   2592000000 /* expires - created at most 30 days */
#define HF_MAX_BACKDATE_MS   604800000  /* created may be at most 7 days before now */
#define HF_MAX_AUDIT_ITEMS   100000

/* Image decoding for PDQ (docs/pdq.md): defaults of hf_image_limits */
#define HF_IMG_MAX_SIDE      16384    /* pixels per side (ImageMagick's Debian policy) */
#define HF_IMG_MAX_PIXELS    67108864 /* width * height (64 MP) */
#define HF_IMG_MAX_SCANS     64       /* progressive JPEG scans */
#define HF_IMG_MAX_FILE_SIZE 67108864 /* bytes of one image file (64 MiB) */

/* Video decoding for vPDQ (docs/video.md): defaults of hf_vpdq_limits */
#define HF_VID_MAX_FILE_SIZE   4294967296 /* bytes of one video (4 GiB) */
#define HF_VID_MAX_SIDE        8192       /* pixels per side of a frame */
#define HF_VID_MAX_PIXELS      35389440   /* width * height of a frame (8192 x 4320) */
#define HF_VID_MAX_SECONDS     14400      /* duration (4 h) */
#define HF_VID_MAX_FRAMES      1048576    /* frames decoded */
#define HF_VID_MAX_DECODE_MS   600000     /* wall-clock time of one hash call (10 min) */
#define HF_VID_MAX_HASH_FRAMES 1048576    /* frame hashes of one vPDQ hash (memory, text) */
#define HF_VID_TEXT_MAX_LINE   256        /* bytes of one line of Meta's text format */

/* Membership manifest (spec §11) */
#define HF_MAX_MANIFEST_SIZE    4194304 /* encoded manifest, signatures included (4 MiB) */
#define HF_MAX_ROOTS            16      /* federation root keys */
#define HF_MAX_MANIFEST_SIGS    32      /* root signatures carried by one manifest */
#define HF_MAX_MEMBERS          1024    /* members of one federation */
#define HF_MAX_MEMBER_KEYS      8    /* signing keys, and separately encryption keys, per member */
#define HF_MAX_ENDPOINTS        4    /* endpoints per member */
#define HF_MAX_ENDPOINT_LEN     255  /* bytes of one endpoint URL */
#define HF_MAX_TLS_FPS          4    /* TLS certificate fingerprints per member */
#define HF_MAX_NAME_LEN         128  /* bytes of a federation or member name */
#define HF_MAX_KEYFILE_SIZE     1024 /* bytes of a key file (secret or public) */
#define HF_KDF_MAX_OPSLIMIT     16   /* Argon2id passes a key file may ask for */
#define HF_KDF_MIN_MEMLIMIT_KIB 8    /* Argon2id memory a key file may ask for, KiB */
#define HF_KDF_MAX_MEMLIMIT_KIB 1048576 /* (1 GiB) */

/* Hash lists (spec §12) */
#define HF_LIST_ID_LEN             16
#define HF_LIST_HASH_LEN           32
#define HF_PSEUDONYM_LEN           16
#define HF_LIST_MAX_VALUE_LEN      32
#define HF_LIST_MAX_NAME_LEN       128
#define HF_LIST_MAX_QUALITY        100
#define HF_LIST_MAX_BATCH_ENTRIES  200000 /* entries added by one batch */
#define HF_LIST_MAX_BATCH_REMOVED  200000 /* ids removed by one batch */
#define HF_LIST_MAX_SNAPSHOT_PARTS 4096
#define HF_LIST_MAX_PULL_SIZE      256  /* encoded pull body (spec §8a) */
#define HF_LIST_MAX_ACK_SIZE       256  /* encoded acknowledgement body (spec §8a) */
#define HF_LIST_MAX_VIDEO_FRAMES   8192 /* frame hashes of one vPDQ entry (2 h 16 min at 1/s) */
#define HF_LIST_VIDEO_FRAME_LEN    41   /* frame u32 | quality u8 | ms u32 | PDQ 32 */

/* Takedown orders (spec §13) */
#define HF_ORDER_ID_LEN           16         /* order / referral id (UUIDv7) */
#define HF_ORDER_PARTY_LEN        16         /* authority / platform member id */
#define HF_ORDER_LIST_ID_LEN      16         /* list id of an entry ref */
#define HF_ORDER_HASH_LEN         32         /* receipt's BLAKE2b-256 of the order body */
#define HF_CASE_PSEUDONYM_LEN     16         /* keyed BLAKE2b of the case reference */
#define HF_CASE_KEY_LEN           32         /* authority's case pseudonym key */
#define HF_ORDER_MAX_CASE_REF_LEN 256        /* case reference hashed into the pseudonym */
#define HF_ORDER_MAX_BODY_SIZE    4194304    /* encoded body of any order message (4 MiB) */
#define HF_ORDER_MAX_ITEMS        1000       /* items of one order */
#define HF_ORDER_MAX_LOCATOR_LEN  2048       /* URL or platform content id */
#define HF_ORDER_MAX_REFS         8          /* list entry refs per item */
#define HF_ORDER_MAX_HASHES       4          /* content hashes per item */
#define HF_ORDER_MAX_LEGAL_LEN    512        /* legal basis */
#define HF_ORDER_MAX_NOTE_LEN     2048       /* free-text note of an order or referral */
#define HF_ORDER_MAX_TEXT_LEN     2048       /* reason, question, answer, grounds */
#define HF_ORDER_MIN_DEADLINE_MS  3600000    /* deadline - issued at least 1 h */
#define HF_ORDER_MAX_DEADLINE_MS  7776000000 /* deadline - issued at most 90 days */
#define HF_REFERRAL_MAX_ORDERS    64         /* orders named by one referral */

/* Match reports (spec §14) */
#define HF_MATCH_REPORT_MAX_COUNTS  200000  /* count records of one report */
#define HF_MATCH_REPORT_MAX_FLAGGED 100000  /* disabled ids, and separately quarantined ids */
#define HF_MATCH_REPORT_MAX_DAY     1000000 /* day number at most (year 4707) */
#define HF_MATCH_REPORT_MAX_SIZE    4194304 /* encoded report body (4 MiB) */

/* Hash list files: ThreatExchange/HMA CSV and plain hash lists (docs/match.md) */
#define HF_HASHCSV_MAX_LINE 4096     /* bytes of one line, newline excluded */
#define HF_HASHCSV_MAX_ROWS 10000000 /* hash rows of one file */

/* Audit log: Merkle tree, signed notes, checkpoints, tiles (spec §15) */
#define HF_MERKLE_HASH_LEN        32    /* SHA-256 */
#define HF_MERKLE_MAX_PROOF       128   /* hashes of one inclusion or consistency proof */
#define HF_NOTE_MAX_SIZE          65536 /* bytes of one signed note */
#define HF_NOTE_MAX_SIGS          100   /* signature lines of one note (Go's sumdb/note cap) */
#define HF_NOTE_MAX_NAME_LEN      255   /* bytes of a key name */
#define HF_NOTE_MAX_SIG_LEN       256   /* decoded bytes of one signature (key id included) */
#define HF_CHECKPOINT_MAX_ORIGIN  255   /* bytes of a checkpoint's origin line */
#define HF_CHECKPOINT_MAX_EXT     16    /* extension lines of one checkpoint */
#define HF_CHECKPOINT_MAX_EXT_LEN 4096  /* bytes of all extension lines together */
#define HF_MAX_WITNESSES          32    /* witnesses of one log policy */
#define HF_TILE_HEIGHT            8     /* tree levels per tile (tlog-tiles) */
#define HF_TILE_WIDTH             256   /* hashes, or entries, of a full tile */
#define HF_TILE_MAX_ENTRY_LEN     65535 /* bytes of one entry in an entry bundle */
#define HF_AUDIT_LEAF_MAX_SIZE    8192  /* bytes of one encoded audit log leaf */

/* Audit log messages (spec §16) */
#define HF_AUDIT_MAX_BODY_SIZE  4194304 /* encoded body of any audit message (4 MiB) */
#define HF_AUDIT_MAX_SUBMIT     1024    /* headers of one submission, entries of one receipt */
#define HF_AUDIT_MAX_HEADER_LEN 8192    /* bytes of one submitted envelope header */

#endif
