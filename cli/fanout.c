/* fanout.c - a worker pool over hosts: per-host connections, a handshake bound, whole-host output, progress. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <libssh/libssh.h>

#include "fanout.h"
#include "clock.h"
#include "banned.h"

struct fan_priv {
	pthread_mutex_t mu;
	pthread_cond_t done_cv;   /* a host finished */
	pthread_cond_t hs_cv;     /* a handshake slot freed */
	int handshakes;           /* in flight */
	size_t next;              /* next host to hand out */
	size_t *finished;         /* queue of finished hosts, in order */
	size_t nfinished, nprinted;
	const char *step;
	lc_host_task task;
	void *arg;
	char *skip;               /* hosts that failed an earlier step */
	unsigned flags;           /* this step's LC_STEP_* */
	/* The progress board (f->tty): each host's state in this step. */
	unsigned char *state;     /* HS_* */
	long *started;            /* lc_now_ms() when its task began */
	int drawn;                /* board lines on the terminal now */
};

enum { HS_WAIT, HS_RUN, HS_OK, HS_FAIL, HS_SKIP };

/* This step's options: the fan-out's own, or the step's. */
static int silent(const struct lc_fanout *f)
{
	return f->silent || (((const struct fan_priv *)f->priv)->flags & LC_STEP_SILENT);
}

static int keep_failed(const struct lc_fanout *f)
{
	return f->keep_failed || (((const struct fan_priv *)f->priv)->flags & LC_STEP_KEEP_FAILED);
}

int lc_fanout_init(struct lc_fanout *f, const char *const *names, size_t n,
		   int jobs, struct lc_err *err)
{
	struct fan_priv *p;
	size_t i;

	memset(f, 0, sizeof(*f));
	f->hosts = calloc(n ? n : 1, sizeof(*f->hosts));
	p = calloc(1, sizeof(*p));
	if (!f->hosts || !p || !(p->finished = calloc(n ? n : 1, sizeof(size_t))) ||
	    !(p->skip = calloc(n ? n : 1, 1)) || !(p->state = calloc(n ? n : 1, 1)) ||
	    !(p->started = calloc(n ? n : 1, sizeof(long)))) {
		if (p) {
			free(p->finished);
			free(p->skip);
			free(p->state);
		}
		free(p);
		free(f->hosts);
		return lc_err_set(err, "out of memory");
	}
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->done_cv, NULL);
	pthread_cond_init(&p->hs_cv, NULL);
	f->priv = p;
	f->n = n;
	f->jobs = jobs > 0 ? jobs : 16;
	f->max_handshakes = 8;
	for (i = 0; i < n; i++) {
		f->hosts[i].name = names[i];
		f->hosts[i].f = f;
		lc_buf_init(&f->hosts[i].out, 1 << 20);
		lc_buf_init(&f->hosts[i].note, 1 << 16);
		lc_err_clear(&f->hosts[i].err);
	}
	/* libssh's own setup, once, before threads use it. */
	ssh_init();
	return 0;
}

void lc_fanout_release(struct lc_fanout *f)
{
	struct fan_priv *p = f->priv;
	size_t i;

	for (i = 0; i < f->n; i++) {
		lc_agent_stop(f->hosts[i].agent);
		lc_ssh_close(f->hosts[i].ssh);
		lc_buf_release(&f->hosts[i].out);
		lc_buf_release(&f->hosts[i].note);
	}
	free(f->hosts);
	if (p) {
		pthread_mutex_destroy(&p->mu);
		pthread_cond_destroy(&p->done_cv);
		pthread_cond_destroy(&p->hs_cv);
		free(p->finished);
		free(p->skip);
		free(p->state);
		free(p->started);
		free(p);
	}
	f->hosts = NULL;
	f->priv = NULL;
}

static int no_agent(struct lc_fanout_host *h)
{
	lc_err_setc(&h->err, LC_ERR_NOTFOUND, "no latticectl agent on this host yet");
	lc_err_hint(&h->err, "up pushes it (bundle %.12s)", h->f->bundle->sha256);
	return -1;
}

/* A read-only look: the agent the host already has, or none. */
static int readonly_agent(struct lc_fanout_host *h, struct lc_agent **out)
{
	const struct lc_fanout *f = h->f;
	struct lc_bundle there = *f->bundle;

	if (lc_bundle_present(h->ssh, f->bundle, there.sha256, &h->err))
		return -1;
	if (!there.sha256[0]) {
		h->no_agent = 1;
		return no_agent(h);
	}
	if (strcmp(there.sha256, f->bundle->sha256))
		lc_buf_printf(&h->note, "asked the agent already here (bundle %.12s); up "
			      "replaces it with %.12s\n", there.sha256, f->bundle->sha256);
	if (lc_agent_start(&h->agent, h->ssh, &there, &h->err)) {
		if (strcmp(there.sha256, f->bundle->sha256))
			lc_err_hint(&h->err, "the agent here is an earlier one; up pushes "
				    "bundle %.12s", f->bundle->sha256);
		return -1;
	}
	*out = h->agent;
	return 0;
}

int lc_fanout_agent(struct lc_fanout_host *h, struct lc_agent **out)
{
	struct lc_fanout *f = h->f;
	struct fan_priv *p = f->priv;
	int pushed = 0, rc;

	if (h->agent) {
		*out = h->agent;
		return 0;
	}
	if (h->no_agent)
		return no_agent(h);
	/* Handshakes are bounded separately from -j: they cost the most CPU. */
	pthread_mutex_lock(&p->mu);
	while (p->handshakes >= f->max_handshakes)
		pthread_cond_wait(&p->hs_cv, &p->mu);
	p->handshakes++;
	pthread_mutex_unlock(&p->mu);
	rc = lc_ssh_connect(&h->ssh, h->name, f->ssh_opts, &h->note, &h->err);
	pthread_mutex_lock(&p->mu);
	p->handshakes--;
	pthread_cond_signal(&p->hs_cv);
	pthread_mutex_unlock(&p->mu);
	if (rc)
		return -1;
	if (f->readonly)
		return readonly_agent(h, out);
	if (lc_bundle_ensure(h->ssh, f->bundle, &pushed, &h->err) ||
	    lc_agent_start(&h->agent, h->ssh, f->bundle, &h->err))
		return -1;
	if (pushed)
		lc_buf_printf(&h->note, "installed agent bundle %.12s\n", f->bundle->sha256);
	*out = h->agent;
	return 0;
}

static void *worker(void *arg)
{
	struct lc_fanout *f = arg;
	struct fan_priv *p = f->priv;

	for (;;) {
		struct lc_fanout_host *h;
		size_t i;
		long t0;

		pthread_mutex_lock(&p->mu);
		while (p->next < f->n && p->skip[p->next])
			p->next++;
		if (p->next >= f->n) {
			pthread_mutex_unlock(&p->mu);
			return NULL;
		}
		i = p->next++;
		p->state[i] = HS_RUN;
		p->started[i] = lc_now_ms();
		pthread_cond_signal(&p->done_cv); /* the board shows it started */
		pthread_mutex_unlock(&p->mu);

		h = &f->hosts[i];
		lc_buf_reset(&h->out);
		lc_buf_reset(&h->note);
		lc_err_clear(&h->err);
		t0 = lc_now_ms();
		h->rc = p->task(h, p->arg);
		if (h->rc && !h->err.msg[0])
			lc_err_set(&h->err, "%s failed", p->step);
		h->ms = lc_now_ms() - t0;

		pthread_mutex_lock(&p->mu);
		p->finished[p->nfinished++] = i;
		pthread_cond_signal(&p->done_cv);
		pthread_mutex_unlock(&p->mu);
	}
}

/* ---- the progress board: one line per host, redrawn in place ---- */

/* Take the board off the terminal: the cursor goes back to its first line. */
static void board_erase(struct fan_priv *p)
{
	if (p->drawn)
		fprintf(stderr, "\033[%dA\r\033[J", p->drawn);
	p->drawn = 0;
}

/* One host's line. */
static void board_line(const struct lc_fanout *f, const struct fan_priv *p, size_t i,
		       long now)
{
	const struct lc_fanout_host *h = &f->hosts[i];
	long ms = p->state[i] == HS_RUN ? now - p->started[i] : h->ms;

	fprintf(stderr, "  %-28.28s %-8.8s ", h->name, p->step);
	switch (p->state[i]) {
	case HS_WAIT:
		fputs("waiting\n", stderr);
		break;
	case HS_RUN:
		fprintf(stderr, "working %ld.%ld s\n", ms / 1000, ms % 1000 / 100);
		break;
	case HS_OK:
		fprintf(stderr, "ok %ld.%ld s\n", ms / 1000, ms % 1000 / 100);
		break;
	case HS_FAIL:
		fputs("FAILED\n", stderr);
		break;
	default:
		fputs("skipped (failed an earlier step)\n", stderr);
	}
}

/*
 * Draw the board under p->mu: a line per host, then the count.  When the
 * terminal has fewer rows than hosts, hosts at work and failed ones come
 * first and a last line counts the ones not shown.
 */
static void board_draw(const struct lc_fanout *f, struct fan_priv *p, size_t todo,
		       size_t failed)
{
	static const unsigned char order[] = { HS_RUN, HS_FAIL, HS_WAIT, HS_OK, HS_SKIP };
	struct winsize ws;
	size_t cap = 22, shown = 0, k, i;
	long now = lc_now_ms();

	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 4)
		cap = (size_t)ws.ws_row - 3;
	board_erase(p);
	for (k = 0; k < sizeof(order); k++)
		for (i = 0; i < f->n; i++) {
			if (f->n > cap ? p->state[i] != order[k] : k != 0)
				continue;
			if (shown == cap)
				break;
			board_line(f, p, i, now);
			shown++;
		}
	if (shown < f->n)
		fprintf(stderr, "  ... and %zu more hosts\n", f->n - shown);
	fprintf(stderr, "%s: %zu/%zu hosts done, %zu failed\n", p->step, p->nprinted, todo,
		failed);
	p->drawn = (int)shown + (shown < f->n) + 1;
	fflush(stderr);
}

/* Print text line by line, each with "prefix: " when prefix is set. */
static void print_lines(FILE *out, const char *prefix, const char *s)
{
	while (*s) {
		size_t n = strcspn(s, "\n");

		if (prefix)
			fprintf(out, "%s: %.*s\n", prefix, (int)n, s);
		else
			fprintf(out, "%.*s\n", (int)n, s);
		s += n + (s[n] == '\n');
	}
}

/* Print one finished host's output whole: text with a host prefix, or
 * one JSON event. */
static void print_host(struct lc_fanout *f, const struct lc_fanout_host *h,
		       const char *step)
{
	if (silent(f))
		return;
	if (f->json) {
		cJSON *o = cJSON_CreateObject();
		char *text;

		cJSON_AddStringToObject(o, "event", "host");
		cJSON_AddStringToObject(o, "step", step);
		cJSON_AddStringToObject(o, "host", h->name);
		cJSON_AddBoolToObject(o, "ok", h->rc == 0);
		cJSON_AddNumberToObject(o, "ms", (double)h->ms);
		cJSON_AddStringToObject(o, "output", h->out.len ? h->out.ptr : "");
		if (h->note.len)
			cJSON_AddStringToObject(o, "note", h->note.ptr);
		if (h->rc) {
			cJSON_AddStringToObject(o, "error", h->err.msg);
			if (h->err.hint[0])
				cJSON_AddStringToObject(o, "hint", h->err.hint);
		}
		text = cJSON_PrintUnformatted(o);
		printf("%s\n", text ? text : "{}");
		free(text);
		cJSON_Delete(o);
		fflush(stdout);
		return;
	}
	if (!f->quiet)
		print_lines(stderr, h->name, h->note.ptr);
	/* One host: its output as it is, for scripts; several: prefixed. */
	if (h->out.len) {
		print_lines(stdout, f->n > 1 ? h->name : NULL, h->out.ptr);
		fflush(stdout);
	}
	if (h->rc) {
		fprintf(stderr, "%s: error: %s\n", h->name, h->err.msg);
		if (h->err.hint[0])
			fprintf(stderr, "%s: hint: %s\n", h->name, h->err.hint);
	}
}

size_t lc_fanout_run(struct lc_fanout *f, const char *step, lc_host_task task,
		     void *arg)
{
	return lc_fanout_step(f, step, task, arg, 0);
}

size_t lc_fanout_step(struct lc_fanout *f, const char *step, lc_host_task task,
		      void *arg, unsigned flags)
{
	struct fan_priv *p = f->priv;
	pthread_t *th;
	size_t i, todo = 0, failed = 0, nthreads;
	int board;

	if (!p)
		return 0; /* never opened: no host to work on (the opener said why) */
	p->flags = flags;
	p->step = step;
	p->task = task;
	p->arg = arg;
	p->next = p->nfinished = p->nprinted = 0;
	p->drawn = 0;
	board = f->tty && !f->json && !silent(f);
	for (i = 0; i < f->n; i++) {
		todo += !p->skip[i];
		p->state[i] = p->skip[i] ? HS_SKIP : HS_WAIT;
	}
	nthreads = (size_t)f->jobs < todo ? (size_t)f->jobs : todo;
	if (!(th = calloc(nthreads ? nthreads : 1, sizeof(*th))))
		return todo;
	for (i = 0; i < nthreads; i++)
		if (pthread_create(&th[i], NULL, worker, f)) {
			nthreads = i;
			break;
		}
	/* No thread could be made: do the work here, one host at a time. */
	if (nthreads == 0 && todo)
		worker(f);
	/* Print each host whole as it finishes, from this thread only; on a
	 * terminal the board below the printed lines is redrawn as hosts
	 * start and finish, and every quarter second. */
	pthread_mutex_lock(&p->mu);
	while (p->nprinted < todo) {
		while (p->nprinted == p->nfinished) {
			if (board) {
				struct timespec until;

				board_draw(f, p, todo, failed);
				clock_gettime(CLOCK_REALTIME, &until);
				until.tv_nsec += 250000000L;
				if (until.tv_nsec >= 1000000000L) {
					until.tv_sec++;
					until.tv_nsec -= 1000000000L;
				}
				pthread_cond_timedwait(&p->done_cv, &p->mu, &until);
			} else {
				pthread_cond_wait(&p->done_cv, &p->mu);
			}
		}
		while (p->nprinted < p->nfinished) {
			struct lc_fanout_host *h = &f->hosts[p->finished[p->nprinted++]];
			size_t hi = (size_t)(h - f->hosts);

			p->state[hi] = h->rc ? HS_FAIL : HS_OK;
			if (h->rc) {
				failed++;
				if (!keep_failed(f))
					p->skip[hi] = 1;
			}
			if (board)
				board_erase(p);
			pthread_mutex_unlock(&p->mu);
			print_host(f, h, step);
			pthread_mutex_lock(&p->mu);
		}
	}
	if (board)
		board_erase(p);
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < nthreads; i++)
		pthread_join(th[i], NULL);
	free(th);
	return failed;
}
