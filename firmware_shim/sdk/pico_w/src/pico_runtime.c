/* The Pico SDK's runtime for a Pico W program on the rig: the entry point,
 * stdio, time, GPIO, clocks, the board ID, panic. Everything goes through
 * hal.h; the layer never reaches the rig's internals (ARCHITECTURE.md,
 * "Images and the rig"). */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hal.h"
#include "hardware/clocks.h"
#include "hardware/gpio.h"
#include "hardware/timer.h"
#include "pico.h"
#include "pico/rig.h"
#include "pico/stdio.h"
#include "pico/stdlib.h"
#include "pico/time.h"
#include "pico/unique_id.h"
#include "pico_rig_internal.h"

/* The settings every SDK image reads (pico/rig.h). Weak: a program that
 * declares its own list with HAL_SETTINGS replaces this one. */
__attribute__((weak)) const hal_setting hal_settings[] = {
    {"wlan.ssid", HAL_SETTING_STR, "", "network to join (WIFI_SSID)"},
    {"wlan.key", HAL_SETTING_STR, "", "its passphrase, empty for an open network (WIFI_PASSWORD)"},
    {"sink.ip", HAL_SETTING_IPV4, "10.0.2.100", "the rig's TCP sink, for programs whose build binds it"},
    {"sink.port", HAL_SETTING_INT, "9000", "the sink's TCP port"},
    {NULL, HAL_SETTING_STR, NULL, NULL},
};

/* ---- entry point ---- */

/* The program's own main, hidden inside the image like every other symbol
 * (linkrig_add_firmware builds with hidden visibility), so it never meets
 * the rig's main. */
int main(void);

static pico_unique_board_id_t board_id;

int app_main(void)
{
    /* Drawn before the program runs, so the device's random stream (which
     * lwIP also draws from) is used in the same order every run. */
    for (size_t i = 0; i < sizeof board_id.id; i += 4) {
        uint32_t r = hal_random_u32();
        memcpy(&board_id.id[i], &r, 4);
    }
    int rc = main();
    stdio_flush();
    /* Returning from main ends a Pico program (the SDK's exit halts the
     * core). On the rig the task ends; nonzero is the program's failure and
     * stops the run with its code, as any task's error does. */
    if (rc != 0)
        hal_log(HAL_LOG_ERROR, "main() returned %d", rc);
    return rc;
}

/* ---- settings (pico/rig.h) ---- */

const char *pico_rig_setting_str(const char *key, const char *def)
{
    return hal_config_str(key, def);
}

long long pico_rig_setting_int(const char *key, long long def)
{
    return hal_config_int(key, def);
}

const char *pico_rig_wifi_password(void)
{
    const char *k = hal_config_str("wlan.key", "");
    return k[0] != '\0' ? k : NULL;
}

/* ---- stdio: printf & co., wrapped at link time as pico_stdio does ----
 * stdout is the board's UART (hal_console_*): the rig cuts it into lines. */

static void out_bytes(const char *p, size_t n)
{
    hal_console_write(p, n);
}

static int out_vprintf(const char *fmt, va_list ap)
{
    char tmp[1024];
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    if (n < 0)
        return n;
    out_bytes(tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
    return n;
}

int __wrap_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int __wrap_vprintf(const char *fmt, va_list ap);
int __wrap_puts(const char *s);
int __wrap_putchar(int c);
int __wrap___printf_chk(int flag, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int __wrap___vprintf_chk(int flag, const char *fmt, va_list ap);

int __wrap_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = out_vprintf(fmt, ap);
    va_end(ap);
    return n;
}

int __wrap_vprintf(const char *fmt, va_list ap)
{
    return out_vprintf(fmt, ap);
}

/* With _FORTIFY_SOURCE the compiler calls these instead of printf. */
int __wrap___printf_chk(int flag, const char *fmt, ...)
{
    (void)flag;
    va_list ap;
    va_start(ap, fmt);
    int n = out_vprintf(fmt, ap);
    va_end(ap);
    return n;
}

int __wrap___vprintf_chk(int flag, const char *fmt, va_list ap)
{
    (void)flag;
    return out_vprintf(fmt, ap);
}

int __wrap_puts(const char *s)
{
    out_bytes(s, strlen(s));
    out_bytes("\n", 1);
    return 1;
}

int __wrap_putchar(int c)
{
    char ch = (char)c;
    out_bytes(&ch, 1);
    return (unsigned char)c;
}

int putchar_raw(int c)
{
    return __wrap_putchar(c);
}

int puts_raw(const char *s)
{
    return __wrap_puts(s);
}

bool stdio_init_all(void)
{
    return true;
}

bool stdio_deinit_all(void)
{
    stdio_flush();
    return true;
}

void stdio_flush(void)
{
    /* the UART sends as it is written; a partial line stays the rig's until
     * its '\n' */
}

/* pico_stdio: a character from stdin, or PICO_ERROR_TIMEOUT; the UART's
 * receive side on the rig. */
int getchar_timeout_us(uint32_t timeout_us)
{
    int c = hal_console_getc(timeout_us);
    return c >= 0 ? c : PICO_ERROR_TIMEOUT;
}

/* ---- panic ---- */

_Noreturn void panic(const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    hal_panic("panic: %s", msg);
}

_Noreturn void panic_unsupported(void)
{
    panic("not supported");
}

/* ---- time (hardware/timer.h, pico/time.h) ---- */

const absolute_time_t at_the_end_of_time = (absolute_time_t)INT64_MAX;
const absolute_time_t nil_time = 0;

static struct {
    uint64_t last_us;
    unsigned same;
} spin;

/* One turn of a loop that may be waiting for time to pass (hardware/timer.h
 * explains the numbers). A sleep outside the program's tasks (in a
 * callback) is refused by the board, which logs it: code there must not
 * busy-wait on a Pico either. */
static void spin_tick(uint64_t now)
{
    if (now != spin.last_us) {
        spin.last_us = now;
        spin.same = 0;
        return;
    }
    if (++spin.same >= PICO_RIG_SPIN_READS) {
        spin.same = 0;
        hal_sleep_us(PICO_RIG_SPIN_STEP_US);
    }
}

uint64_t time_us_64(void)
{
    spin_tick(hal_time_us());
    return hal_time_us();
}

void tight_loop_contents(void)
{
    spin_tick(hal_time_us());
}

void sleep_us(uint64_t us)
{
    while (us > 0) {
        uint32_t step = us > UINT32_MAX ? UINT32_MAX : (uint32_t)us;
        if (hal_sleep_us(step) != HAL_OK)
            return;
        us -= step;
    }
}

void sleep_ms(uint32_t ms)
{
    hal_sleep_ms(ms);
}

void sleep_until(absolute_time_t target)
{
    uint64_t now = hal_time_us();
    if (to_us_since_boot(target) > now)
        sleep_us(to_us_since_boot(target) - now);
}

bool best_effort_wfe_or_timeout(absolute_time_t timeout_timestamp)
{
    uint64_t now = hal_time_us();
    uint64_t t = to_us_since_boot(timeout_timestamp);
    if (now >= t)
        return true;
    hal_sleep_us(t - now < 1000 ? (uint32_t)(t - now) : 1000u);
    return hal_time_us() >= t;
}

void busy_wait_us_32(uint32_t delay_us)
{
    sleep_us(delay_us);
}

void busy_wait_us(uint64_t delay_us)
{
    sleep_us(delay_us);
}

void busy_wait_ms(uint32_t delay_ms)
{
    sleep_us((uint64_t)delay_ms * 1000u);
}

void busy_wait_until(absolute_time_t t)
{
    sleep_until(t);
}

/* ---- GPIO (hardware/gpio.h) ---- */

static struct {
    uint32_t out, oe, pull_up, pull_down;
    uint8_t fn[NUM_BANK0_GPIOS];
    bool fn_set[NUM_BANK0_GPIOS];
} gpio;

static bool gpio_ok(uint pin)
{
    if (pin < NUM_BANK0_GPIOS)
        return true;
    hal_log(HAL_LOG_WARN, "gpio: pin %u does not exist on the RP2040 (0..%d)", pin, NUM_BANK0_GPIOS - 1);
    return false;
}

static void gpio_drive(uint32_t new_out)
{
    uint32_t changed = (new_out ^ gpio.out) & gpio.oe;
    gpio.out = new_out;
    for (uint pin = 0; changed != 0; pin++, changed >>= 1) {
        if (changed & 1u)
            HAL_TRACE("gpio", HAL_INT("pin", pin), HAL_INT("value", (new_out >> pin) & 1u));
    }
}

void gpio_init(uint pin)
{
    if (!gpio_ok(pin))
        return;
    gpio.oe &= ~(1u << pin);
    gpio.out &= ~(1u << pin);
    gpio.fn[pin] = GPIO_FUNC_SIO;
    gpio.fn_set[pin] = true;
}

void gpio_deinit(uint pin)
{
    if (!gpio_ok(pin))
        return;
    gpio.oe &= ~(1u << pin);
    gpio.fn[pin] = GPIO_FUNC_NULL;
}

void gpio_init_mask(uint gpio_mask)
{
    for (uint pin = 0; pin < NUM_BANK0_GPIOS; pin++) {
        if (gpio_mask & (1u << pin))
            gpio_init(pin);
    }
}

void gpio_set_function(uint pin, gpio_function_t fn)
{
    if (!gpio_ok(pin))
        return;
    gpio.fn[pin] = (uint8_t)fn;
    gpio.fn_set[pin] = true;
}

gpio_function_t gpio_get_function(uint pin)
{
    if (!gpio_ok(pin) || !gpio.fn_set[pin])
        return GPIO_FUNC_NULL; /* the reset value */
    return (gpio_function_t)gpio.fn[pin];
}

void gpio_set_dir(uint pin, bool out)
{
    if (!gpio_ok(pin))
        return;
    if (out)
        gpio.oe |= 1u << pin;
    else
        gpio.oe &= ~(1u << pin);
}

bool gpio_is_dir_out(uint pin)
{
    return gpio_ok(pin) && (gpio.oe >> pin) & 1u;
}

void gpio_put(uint pin, bool value)
{
    if (!gpio_ok(pin))
        return;
    gpio_drive(value ? gpio.out | 1u << pin : gpio.out & ~(1u << pin));
}

static uint32_t gpio_levels(void)
{
    /* Outputs read back what they drive; inputs read their pull-up. */
    return (gpio.out & gpio.oe) | (gpio.pull_up & ~gpio.oe);
}

bool gpio_get(uint pin)
{
    return gpio_ok(pin) && (gpio_levels() >> pin) & 1u;
}

bool gpio_get_out_level(uint pin)
{
    return gpio_ok(pin) && (gpio.out >> pin) & 1u;
}

uint32_t gpio_get_all(void)
{
    return gpio_levels();
}

void gpio_set_mask(uint32_t mask)
{
    gpio_drive(gpio.out | mask);
}

void gpio_clr_mask(uint32_t mask)
{
    gpio_drive(gpio.out & ~mask);
}

void gpio_xor_mask(uint32_t mask)
{
    gpio_drive(gpio.out ^ mask);
}

void gpio_put_masked(uint32_t mask, uint32_t value)
{
    gpio_drive((gpio.out & ~mask) | (value & mask));
}

void gpio_set_dir_out_masked(uint32_t mask)
{
    gpio.oe |= mask;
}

void gpio_set_dir_in_masked(uint32_t mask)
{
    gpio.oe &= ~mask;
}

void gpio_set_pulls(uint pin, bool up, bool down)
{
    if (!gpio_ok(pin))
        return;
    gpio.pull_up = up ? gpio.pull_up | 1u << pin : gpio.pull_up & ~(1u << pin);
    gpio.pull_down = down ? gpio.pull_down | 1u << pin : gpio.pull_down & ~(1u << pin);
}

bool gpio_is_pulled_up(uint pin)
{
    return gpio_ok(pin) && (gpio.pull_up >> pin) & 1u;
}

bool gpio_is_pulled_down(uint pin)
{
    return gpio_ok(pin) && (gpio.pull_down >> pin) & 1u;
}

/* ---- clocks ---- */

static uint32_t sys_hz = SYS_CLK_HZ;

uint32_t clock_get_hz(clock_handle_t clk_index)
{
    switch (clk_index) {
    case clk_ref: return XOSC_HZ;
    case clk_sys:
    case clk_peri: return sys_hz;
    case clk_usb:
    case clk_adc: return 48u * MHZ;
    case clk_rtc: return 46875u;
    default: return 0;
    }
}

bool set_sys_clock_khz(uint32_t freq_khz, bool required)
{
    /* The RP2040's PLL reaches roughly 16..280 MHz (its VCO 750..1600 MHz
     * divided by 1..49); outside that the SDK finds no setting and returns
     * false, or panics when required. */
    if (freq_khz < 16000 || freq_khz > 280000) {
        if (required)
            panic("System clock of %u kHz cannot be exactly achieved", (unsigned)freq_khz);
        return false;
    }
    sys_hz = freq_khz * 1000u;
    return true;
}

/* ---- unique board ID ---- */

void pico_get_unique_board_id(pico_unique_board_id_t *id_out)
{
    *id_out = board_id;
}

void pico_get_unique_board_id_string(char *id_out, uint len)
{
    static const char hex[] = "0123456789ABCDEF";
    char full[2 * PICO_UNIQUE_BOARD_ID_SIZE_BYTES + 1];
    for (size_t i = 0; i < sizeof board_id.id; i++) {
        full[2 * i] = hex[board_id.id[i] >> 4];
        full[2 * i + 1] = hex[board_id.id[i] & 15];
    }
    full[sizeof full - 1] = '\0';
    if (len == 0)
        return;
    size_t n = len - 1 < sizeof full - 1 ? len - 1 : sizeof full - 1;
    memcpy(id_out, full, n);
    id_out[n] = '\0';
}
