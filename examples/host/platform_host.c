/* The host platform of the example (POSIX): a monotonic clock and main(). */
#define _POSIX_C_SOURCE 199309L

#include <stdint.h>
#include <time.h>

#include "example.h"

uint32_t example_now_us(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
        return 0u;
    }
    return (uint32_t)((uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u);
}

int main(void)
{
    return example_main();
}
