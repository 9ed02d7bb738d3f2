/* clock.c - milliseconds on the monotonic clock. */
#include <time.h>

#include "clock.h"
#include "banned.h"

int64_t lc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
