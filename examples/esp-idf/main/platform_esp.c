/* The ESP-IDF platform of the example: esp_timer for the clock, app_main. */
#include <stdint.h>

#include "esp_timer.h"

#include "example.h"

uint32_t example_now_us(void)
{
    return (uint32_t)esp_timer_get_time();
}

void app_main(void)
{
    (void)example_main();
}
