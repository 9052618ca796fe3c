/*
 * TiGrIS runtime: loads a static plan (.tgrs, docs/plan-format.md) and runs
 * it over caller-provided arenas.
 *
 *   static uint8_t fast[FAST_SIZE] __attribute__((aligned(16)));
 *   tigris_plan_t plan;
 *   tigris_io_t in, out;
 *   if (tigris_load(&plan, plan_bytes, plan_len) != TIGRIS_STATUS_OK) ...
 *   tigris_input(&plan, 0, &in);                    // where the input goes
 *   memcpy(tigris_io_data(&in, fast, NULL), x, in.size);
 *   tigris_run(&plan, fast, sizeof fast, NULL, 0);
 *   tigris_output(&plan, 0, &out);                  // where the output is
 *
 * Guarantees:
 *   - no dynamic allocation, no recursion, no floating point arithmetic
 *     (the scale of an I/O descriptor is only copied out of the plan);
 *   - tigris_load checks everything before anything runs: the magic, the
 *     format version, the CRC-32, every count, offset and size against the
 *     pools and the plan length, every kernel call's shapes and parameters
 *     (so no call can read or write outside its tensors, its arena or the
 *     plan), the overlap of a call's outputs with its inputs, and the I/O
 *     descriptors. A plan that loads runs without a kernel error when the
 *     arenas are large enough;
 *   - the plan is read in place (it may live in memory-mapped flash) and
 *     must stay unchanged and 16-byte aligned while loaded.
 * The input tensors live inside the arena and may be overwritten by a run:
 * write the inputs before every tigris_run.
 */
#ifndef TIGRIS_H
#define TIGRIS_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define TIGRIS_PLAN_VERSION 1u
#define TIGRIS_MAX_DIMS 6

typedef enum {
    TIGRIS_STATUS_OK = 0,
    TIGRIS_STATUS_NULL_ARGUMENT = 1,   /* a required pointer argument is NULL */
    TIGRIS_STATUS_MISALIGNED = 2,      /* plan or arena pointer not aligned enough */
    TIGRIS_STATUS_TRUNCATED = 3,       /* fewer bytes than the header or plan_size says */
    TIGRIS_STATUS_BAD_MAGIC = 4,       /* not a TiGrIS plan */
    TIGRIS_STATUS_BAD_VERSION = 5,     /* a format version this runtime does not read */
    TIGRIS_STATUS_BAD_CRC = 6,         /* checksum mismatch: corrupted plan */
    TIGRIS_STATUS_BAD_HEADER = 7,      /* inconsistent header fields or section layout */
    TIGRIS_STATUS_BAD_TENSOR = 8,      /* a tensor descriptor is malformed */
    TIGRIS_STATUS_OUT_OF_BOUNDS = 9,   /* a tensor lies outside its arena or the plan */
    TIGRIS_STATUS_BAD_CALL = 10,       /* unknown kernel, bad tensor slot or reserved field */
    TIGRIS_STATUS_BAD_PARAM = 11,      /* kernel parameters out of range */
    TIGRIS_STATUS_BAD_SHAPE = 12,      /* operand shapes do not agree with the kernel */
    TIGRIS_STATUS_OVERLAP = 13,        /* an output overlaps an input it may not alias */
    TIGRIS_STATUS_BAD_IO = 14,         /* an input/output descriptor is malformed */
    TIGRIS_STATUS_SCRATCH = 15,        /* the kernel library wants more scratch than planned */
    TIGRIS_STATUS_NOT_LOADED = 16,     /* the plan handle was not filled by tigris_load */
    TIGRIS_STATUS_ARENA_TOO_SMALL = 17,/* an arena is smaller than the plan needs */
    TIGRIS_STATUS_INDEX = 18,          /* input/output index out of range */
    TIGRIS_STATUS_KERNEL = 19          /* a kernel failed while running */
} tigris_status_t;

/* The constant's name ("TIGRIS_STATUS_BAD_CRC"), or "TIGRIS_STATUS_UNKNOWN". */
const char *tigris_status_str(tigris_status_t status);

#define TIGRIS_POOL_FAST 0u
#define TIGRIS_POOL_SLOW 1u
#define TIGRIS_POOL_FLASH 2u

#define TIGRIS_TARGET_REFERENCE 0u
#define TIGRIS_TARGET_ESP32S3 1u
#define TIGRIS_TARGET_ESP32 2u  /* ESP-NN generic optimized kernels (ESP32, ESP32-C3, ...) */

#define TIGRIS_LAYOUT_PLAIN 0u  /* dims are the model's own shape */
#define TIGRIS_LAYOUT_NHWC 1u   /* dims are NHWC, the model's shape is NCHW */

#define TIGRIS_IO_UINT8 1u      /* flag: the model's own input is uint8 (q - 128 here) */
#define TIGRIS_IO_STATE 2u      /* flag: a state variable (an input and an output of one name) */

/* A loaded plan. Fill it with tigris_load only; the fields are read-only. */
typedef struct {
    const uint8_t *data;
    uint32_t size;
    uint32_t target;
    uint32_t fast_size;
    uint32_t slow_size;
    uint32_t alignment;
    uint32_t n_tensors;
    uint32_t n_calls;
    uint32_t n_inputs;
    uint32_t n_outputs;
    uint32_t tensors_offset;
    uint32_t calls_offset;
    uint32_t io_offset;
    uint32_t weights_offset;
    uint32_t weights_size;
    uint32_t state_size;
    uint32_t loaded; /* a private marker set by a successful load */
} tigris_plan_t;

/* Validates `size` bytes at `data` (16-byte aligned) and fills `plan`.
 * Bytes after the plan's own length are ignored. On failure `plan` is
 * left marked not loaded. */
tigris_status_t tigris_load(tigris_plan_t *plan, const void *data, size_t size);

typedef struct {
    const char *name;      /* model name, NUL-terminated, inside the plan */
    uint32_t version;
    uint32_t target;       /* TIGRIS_TARGET_* the scratch was planned for */
    uint32_t fast_size;    /* bytes of fast arena a run needs */
    uint32_t slow_size;    /* bytes of slow arena a run needs (0: none) */
    uint32_t alignment;    /* arena alignment the plan assumes (capped at 16 by tigris_run) */
    uint32_t plan_size;
    uint32_t weights_size;
    uint32_t n_calls;
    uint32_t n_inputs;
    uint32_t n_outputs;
    uint32_t state_size;   /* bytes of the state region (0: the model keeps no state) */
} tigris_plan_info_t;

tigris_status_t tigris_plan_info(const tigris_plan_t *plan, tigris_plan_info_t *info);

/* A model input or output: int8 bytes at `offset` in arena `pool`. */
typedef struct {
    const char *name;      /* NUL-terminated, inside the plan */
    uint32_t pool;         /* TIGRIS_POOL_FAST or TIGRIS_POOL_SLOW */
    uint32_t offset;
    uint32_t size;         /* bytes = elements */
    uint32_t rank;
    int32_t dims[TIGRIS_MAX_DIMS];        /* the tensor as the plan stores it */
    uint32_t layout;                      /* TIGRIS_LAYOUT_* */
    uint32_t model_rank;
    int32_t model_dims[TIGRIS_MAX_DIMS];  /* the model's own shape */
    double scale;          /* real = scale * (q - zero_point) */
    int32_t zero_point;
    uint32_t flags;        /* TIGRIS_IO_* */
} tigris_io_t;

tigris_status_t tigris_input(const tigris_plan_t *plan, uint32_t index, tigris_io_t *io);
tigris_status_t tigris_output(const tigris_plan_t *plan, uint32_t index, tigris_io_t *io);

/* The first byte of an I/O tensor inside the given arenas (NULL if its
 * arena is NULL). */
int8_t *tigris_io_data(const tigris_io_t *io, void *fast, void *slow);

/* Runs every call of the plan in order. `fast` (and `slow` when the plan
 * has a slow pool) must hold at least the plan's sizes and be aligned to
 * min(alignment, 16) bytes. */
tigris_status_t tigris_run(const tigris_plan_t *plan, void *fast, size_t fast_size, void *slow,
                           size_t slow_size);

/* Per-call profiling (optional): tigris_run_profiled calls `begin` right
 * before and `end` right after each kernel call, so a firmware can time every
 * call (as TFLM's MicroProfiler and ESP-DL's profile() do). A call is named by
 * its index in the plan (0 .. n_calls - 1), its kernel kind (a plan kernel id;
 * tigris_kernel_name gives its name) and its tiling stage (0 when untiled).
 * Either function may be NULL; the runtime keeps no state for it (no heap). */
typedef struct {
    void (*begin)(void *user, uint32_t index, uint32_t kernel, uint32_t stage);
    void (*end)(void *user, uint32_t index, uint32_t kernel, uint32_t stage,
                tigris_status_t status);
    void *user;       /* passed back to both */
} tigris_profiler_t;

/* tigris_run, reporting each call to `profiler` (NULL: exactly tigris_run). */
tigris_status_t tigris_run_profiled(const tigris_plan_t *plan, void *fast, size_t fast_size,
                                    void *slow, size_t slow_size,
                                    const tigris_profiler_t *profiler);

/* State: the variables a streaming model keeps between inferences (a TFLite
 * model's resource variables), a memory class of its own that lives in a
 * region the caller provides and keeps, apart from the arenas: `state_size`
 * bytes (tigris_plan_info), each variable at the sum of the sizes of the
 * state inputs before it. Each variable is an input and an output of the
 * plan with the same name, flagged TIGRIS_IO_STATE. No heap.
 *
 * tigris_state_init sets every variable to real zero (its zero point), as
 * the model's CALL_ONCE initialization does; call it once after the load.
 * tigris_run_state copies each variable from the region into its input
 * tensor, runs the plan (the caller has written the other inputs), and when
 * the run succeeded copies each variable's output tensor back into the
 * region; a failed run leaves the region as it was. tigris_run leaves the
 * state inputs and outputs to the caller, like any other. */
tigris_status_t tigris_state_init(const tigris_plan_t *plan, void *state, size_t state_size);
tigris_status_t tigris_run_state(const tigris_plan_t *plan, void *fast, size_t fast_size,
                                 void *slow, size_t slow_size, void *state, size_t state_size,
                                 const tigris_profiler_t *profiler);

/* A kernel kind's name ("conv2d", "depthwise_conv2d", ...), or "unknown". */
const char *tigris_kernel_name(uint32_t kernel);

/* Bytes of a tigris_plan_t, for bindings that allocate it themselves. */
uint32_t tigris_plan_struct_size(void);

#ifdef __cplusplus
}
#endif

#endif /* TIGRIS_H */
