/* hardware/gpio.h — the RP2040's own GPIOs (pico-sdk
 * src/rp2_common/hardware_gpio/include/hardware/gpio.h), as far as network
 * programs use them: init, direction, output, input, pulls, function.
 *
 * Nothing is wired to the rig's pins: an output keeps the level it was set
 * to (gpio_get reads it back, as on the chip), and each change of an output
 * is a trace event "gpio" (pin, value) of the device's firmware. An input
 * reads its pull: 1 with the pull-up, else 0. Interrupts on GPIO inputs are
 * not provided (no input ever changes on the rig), so a program that needs
 * them does not build rather than waiting forever. The Pico W's LED is on the
 * Wi-Fi chip: cyw43_arch_gpio_put (pico/cyw43_arch.h). */
#ifndef LINKRIG_HARDWARE_GPIO_H
#define LINKRIG_HARDWARE_GPIO_H

#include "pico.h"

#ifdef __cplusplus
extern "C" {
#endif

#define GPIO_OUT 1
#define GPIO_IN 0

/* RP2040 function select values (datasheet 2.19.2). */
typedef enum gpio_function_rp2040 {
    GPIO_FUNC_XIP = 0,
    GPIO_FUNC_SPI = 1,
    GPIO_FUNC_UART = 2,
    GPIO_FUNC_I2C = 3,
    GPIO_FUNC_PWM = 4,
    GPIO_FUNC_SIO = 5,
    GPIO_FUNC_PIO0 = 6,
    GPIO_FUNC_PIO1 = 7,
    GPIO_FUNC_GPCK = 8,
    GPIO_FUNC_USB = 9,
    GPIO_FUNC_NULL = 0x1f,
} gpio_function_t;

void gpio_init(uint gpio);
void gpio_deinit(uint gpio);
void gpio_init_mask(uint gpio_mask);
void gpio_set_function(uint gpio, gpio_function_t fn);
gpio_function_t gpio_get_function(uint gpio);
void gpio_set_dir(uint gpio, bool out);
bool gpio_is_dir_out(uint gpio);
void gpio_put(uint gpio, bool value);
bool gpio_get(uint gpio);
bool gpio_get_out_level(uint gpio);
uint32_t gpio_get_all(void);
void gpio_set_mask(uint32_t mask);
void gpio_clr_mask(uint32_t mask);
void gpio_xor_mask(uint32_t mask);
void gpio_put_masked(uint32_t mask, uint32_t value);
void gpio_set_dir_out_masked(uint32_t mask);
void gpio_set_dir_in_masked(uint32_t mask);
void gpio_set_pulls(uint gpio, bool up, bool down);
bool gpio_is_pulled_up(uint gpio);
bool gpio_is_pulled_down(uint gpio);

static inline void gpio_pull_up(uint gpio)
{
    gpio_set_pulls(gpio, true, false);
}

static inline void gpio_pull_down(uint gpio)
{
    gpio_set_pulls(gpio, false, true);
}

static inline void gpio_disable_pulls(uint gpio)
{
    gpio_set_pulls(gpio, false, false);
}

#ifdef __cplusplus
}
#endif

#endif
