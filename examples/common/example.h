/*
 * The platform layer of the example firmware (main.c): each build gives
 * example_now_us and calls example_main (examples/host/platform_host.c,
 * examples/esp-idf/main/platform_esp.c).
 */
#ifndef TIGRIS_EXAMPLE_H
#define TIGRIS_EXAMPLE_H

#include <stdint.h>

/* A free-running microsecond clock (wraps around; differences are used). */
uint32_t example_now_us(void);

/* Loads the embedded plan, runs it once on a fixed input pattern, prints the
 * output bytes and each call's time. Returns 0, or 1 after printing why not. */
int example_main(void);

/* Where the slow arena goes: PSRAM on ESP-IDF (needs
 * CONFIG_SPIRAM_ALLOW_BSS_EXT_MEM), ordinary memory elsewhere. The fast arena
 * is ordinary .bss: internal RAM on a microcontroller. */
#if defined(ESP_PLATFORM)
#include "esp_attr.h"
#define EXAMPLE_SLOW_ARENA_ATTR EXT_RAM_BSS_ATTR
#else
#define EXAMPLE_SLOW_ARENA_ATTR
#endif

#endif /* TIGRIS_EXAMPLE_H */
