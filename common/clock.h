/* clock.h - milliseconds on the monotonic clock, for deadlines and timings. */
#ifndef LC_CLOCK_H
#define LC_CLOCK_H

#include <stdint.h>

int64_t lc_now_ms(void);

#endif
