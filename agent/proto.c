/* proto.c - the agent's side of PROTOCOL.md: framing, the handshake, dispatch and replies. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <sodium.h>

#include "agent.h"
#include "buf.h"
#include "banned.h"

#define AG_NEXT (-1) /* handle(): read the next request */

struct ag_session {
	struct ag_in in;
	int out;
	int hello;
	struct ag_dkg *dkg; /* a DKG ceremony this session takes part in */
	unsigned char scratch[AG_CHUNK];
};

static const struct {
	const char *name;
	int (*fn)(struct ag_req *r, struct lc_err *err);
} ops[] = {
	{ "facts", ag_op_facts }, { "stat", ag_op_stat }, { "put", ag_op_put },
	{ "lock", ag_op_lock },   { "unlock", ag_op_unlock }, { "wipe", ag_op_wipe },
	{ "unit", ag_op_unit },   { "status", ag_op_status }, { "metrics", ag_op_metrics },
	{ "remove", ag_op_remove }, { "fetch", ag_op_fetch },
	{ "lattices", ag_op_lattices },
	{ "dkg_begin", ag_op_dkg_begin },     { "dkg_define", ag_op_dkg_define },
	{ "dkg_deal", ag_op_dkg_deal },       { "dkg_deliver", ag_op_dkg_deliver },
	{ "dkg_verdict", ag_op_dkg_verdict }, { "dkg_reveal", ag_op_dkg_reveal },
	{ "dkg_resolve", ag_op_dkg_resolve }, { "dkg_finish", ag_op_dkg_finish },
	{ "dkg_activate", ag_op_dkg_activate }, { "dkg_abort", ag_op_dkg_abort },
	{ "dkg_status", ag_op_dkg_status },
};

static int in_fill(struct ag_in *in, struct lc_err *err)
{
	ssize_t n;

	in->off = in->len = 0;
	do
		n = read(in->fd, in->buf, sizeof(in->buf));
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return lc_err_setc(err, AG_E_IO, "cannot read standard input: %s",
				   strerror(errno));
	if (n == 0)
		in->eof = 1;
	in->len = (size_t)n;
	return 0;
}

/* One line without its newline into out: 0, 1 at the end of input, or a
 * negative code (over-long, cut off, unreadable) that ends the session. */
static int read_line(struct ag_in *in, struct lc_buf *out, struct lc_err *err)
{
	const unsigned char *p, *nl;
	size_t take;
	int rc;

	lc_buf_reset(out);
	for (;;) {
		if (in->off == in->len) {
			if (in->eof)
				goto eof;
			if ((rc = in_fill(in, err)))
				return rc;
			if (in->eof)
				goto eof;
		}
		p = in->buf + in->off;
		nl = memchr(p, '\n', in->len - in->off);
		take = nl ? (size_t)(nl - p) : in->len - in->off;
		if ((rc = lc_buf_add(out, p, take)) == LC_ERR_TOOBIG)
			return lc_err_setc(err, AG_E_BAD, "request line longer than %d bytes",
					   AG_MAX_LINE);
		if (rc)
			return lc_err_setc(err, AG_E_IO, "out of memory");
		in->off += take + (nl ? 1 : 0);
		if (nl)
			return 0;
	}
eof:
	if (!out->len)
		return 1;
	return lc_err_setc(err, AG_E_BAD, "input ended inside a request line");
}

ssize_t ag_body_read(struct ag_req *r, void *buf, size_t n, struct lc_err *err)
{
	struct ag_in *in = r->in;
	ssize_t got;

	if (!r->left)
		return 0;
	if (n > r->left)
		n = (size_t)r->left;
	if (in->off < in->len) {
		/* Bytes read ahead with the line: copy them out and wipe them. */
		if (n > in->len - in->off)
			n = in->len - in->off;
		memcpy(buf, in->buf + in->off, n);
		sodium_memzero(in->buf + in->off, n);
		in->off += n;
		r->left -= n;
		return (ssize_t)n;
	}
	got = 0;
	if (!in->eof) {
		do
			got = read(in->fd, buf, n);
		while (got < 0 && errno == EINTR);
		if (got < 0)
			return lc_err_setc(err, AG_E_EOF, "cannot read standard input: %s",
					   strerror(errno));
	}
	if (got == 0) {
		in->eof = 1;
		return lc_err_setc(err, AG_E_EOF,
				   "input ended after %llu of the %llu announced bytes",
				   (unsigned long long)(r->size - r->left),
				   (unsigned long long)r->size);
	}
	r->left -= (uint64_t)got;
	return got;
}

/* Read and drop what an operation left of its body. */
static int drain(struct ag_session *s, struct ag_req *r, struct lc_err *err)
{
	ssize_t n;

	while ((n = ag_body_read(r, s->scratch, sizeof(s->scratch), err)) > 0)
		;
	sodium_memzero(s->scratch, sizeof(s->scratch));
	return n < 0 ? (int)n : 0;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Build the reply for a request (id < 0: "id": null) and write it. */
static int send_reply(struct ag_session *s, double id, struct ag_req *r, int code,
		      const struct lc_err *err)
{
	cJSON *o = NULL, *e, *x;
	struct lc_buf line;
	char *text = NULL;
	int rc = -1;

	lc_buf_init(&line, AG_MAX_LINE - 1);
	if (!code && r->reply) {
		o = r->reply;
		r->reply = NULL;
	} else {
		if (!(o = cJSON_CreateObject()))
			goto out;
		if (id >= 0 ? ag_set_num(o, "id", id) : !cJSON_AddNullToObject(o, "id"))
			goto out;
		if (ag_set_bool(o, "ok", 0) || !(e = cJSON_AddObjectToObject(o, "error")) ||
		    ag_set_str(e, "code", ag_code_name(code)) ||
		    ag_set_str(e, "message", err->msg))
			goto out;
		while (r->err_extra && (x = r->err_extra->child))
			cJSON_AddItemToObject(e, x->string,
					      cJSON_DetachItemViaPointer(r->err_extra, x));
	}
	if (!(text = cJSON_PrintUnformatted(o)))
		goto out;
	if (lc_buf_puts(&line, text)) {
		/* Too long for one line: say so instead (a stat of many names). */
		struct ag_req none = { 0 };
		struct lc_err big;

		lc_err_clear(&big);
		lc_err_setc(&big, AG_E_BAD, "reply longer than %d bytes; ask for less",
			    AG_MAX_LINE);
		rc = send_reply(s, id, &none, AG_E_BAD, &big);
		goto out;
	}
	if (lc_buf_addch(&line, '\n'))
		goto out;
	rc = write_all(s->out, line.ptr, line.len);
	if (rc)
		fprintf(stderr, "lattice-agent: cannot write a reply: %s\n", strerror(errno));
out:
	cJSON_free(text);
	cJSON_Delete(o);
	lc_buf_release(&line);
	return rc;
}

static int op_hello(struct ag_session *s, struct ag_req *r, struct lc_err *err)
{
	const cJSON *client = cJSON_GetObjectItemCaseSensitive(r->json, "client");
	uint64_t v;

	if (ag_req_uint(r, "version", &v, err))
		return err->code;
	if (v != AG_PROTOCOL)
		return lc_err_setc(err, AG_E_VERSION,
				   "protocol version %llu is not supported (this agent speaks %d)",
				   (unsigned long long)v, AG_PROTOCOL);
	if (cJSON_IsString(client))
		fprintf(stderr, "lattice-agent: session with '%.64s'\n", client->valuestring);
	if (ag_set_num(r->reply, "version", AG_PROTOCOL) ||
	    ag_set_str(r->reply, "agent", "lattice-agent " LC_VERSION) ||
	    ag_set_num(r->reply, "max_line", AG_MAX_LINE))
		return lc_err_set(err, "out of memory");
	s->hello = 1;
	return 0;
}

/* Answer one request line: AG_NEXT, or the exit status ending the session. */
static int handle(struct ag_session *s, const struct lc_buf *line)
{
	struct ag_req r = { .in = &s->in, .dkg = &s->dkg };
	const char *opname = NULL;
	struct lc_err err;
	cJSON *req = NULL;
	const cJSON *v;
	uint64_t idv;
	double id = -1;
	int rc = 0, ret = AG_NEXT;
	size_t i;

	lc_err_clear(&err);
	if (memchr(line->ptr, '\0', line->len) ||
	    !(req = cJSON_ParseWithLengthOpts(line->ptr, line->len + 1, NULL, 1)) ||
	    !cJSON_IsObject(req)) {
		rc = lc_err_setc(&err, AG_E_BAD, "request is not a JSON object");
		ret = AG_EXIT_PROTO;
		goto reply;
	}
	r.json = req;
	/* The framing first: without a valid size the next line is unknown. */
	if ((v = cJSON_GetObjectItemCaseSensitive(req, "size"))) {
		if (ag_json_uint(v, &r.size)) {
			rc = lc_err_setc(&err, AG_E_BAD, "'size' must be a non-negative integer");
			ret = AG_EXIT_PROTO;
			goto reply;
		}
		r.has_size = 1;
		r.left = r.size;
	}
	if (ag_json_uint(cJSON_GetObjectItemCaseSensitive(req, "id"), &idv) == 0)
		id = (double)idv;
	if (id < 0) {
		rc = lc_err_setc(&err, AG_E_BAD, "'id' must be a non-negative integer");
		goto reply;
	}
	if (!(opname = ag_req_str(&r, "op", &err))) {
		rc = err.code;
		goto reply;
	}
	if (!s->hello && strcmp(opname, "hello")) {
		rc = lc_err_setc(&err, AG_E_BAD, "the first request must be hello");
		ret = AG_EXIT_PROTO;
		goto reply;
	}
	if (!(r.reply = cJSON_CreateObject()) || ag_set_num(r.reply, "id", id) ||
	    ag_set_bool(r.reply, "ok", 1)) {
		rc = lc_err_set(&err, "out of memory");
		goto reply;
	}
	if (!strcmp(opname, "hello")) {
		rc = op_hello(s, &r, &err);
		goto reply;
	}
	if (!strcmp(opname, "bye")) {
		ret = AG_EXIT_OK;
		goto reply;
	}
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (!strcmp(ops[i].name, opname))
			break;
	if (i == sizeof(ops) / sizeof(ops[0]))
		rc = lc_err_setc(&err, AG_E_UNKNOWN_OP, "unknown op '%.64s'", opname);
	else
		rc = ops[i].fn(&r, &err);
reply:
	if (rc != AG_E_EOF && r.left && ret != AG_EXIT_PROTO) {
		struct lc_err derr;

		lc_err_clear(&derr);
		if (drain(s, &r, &derr)) {
			err = derr;
			rc = derr.code;
		}
	}
	if (rc == AG_E_EOF) {
		id = -1;
		ret = AG_EXIT_PROTO;
	}
	/* No session without a handshake: whatever came instead ends it. */
	if (!s->hello && ret == AG_NEXT)
		ret = AG_EXIT_PROTO;
	if (rc)
		fprintf(stderr, "lattice-agent: %s%s%s (%s)\n", opname ? opname : "",
			opname ? ": " : "", err.msg, ag_code_name(rc));
	if (send_reply(s, id, &r, rc, &err))
		ret = AG_EXIT_FAIL;
	cJSON_Delete(r.reply);
	cJSON_Delete(r.err_extra);
	cJSON_Delete(req);
	return ret;
}

int ag_serve(int in_fd, int out_fd)
{
	struct ag_session *s;
	struct lc_buf line;
	struct lc_err err;
	int rc, ret = AG_EXIT_OK;

	if (!(s = calloc(1, sizeof(*s)))) {
		fprintf(stderr, "lattice-agent: out of memory\n");
		return AG_EXIT_FAIL;
	}
	s->in.fd = in_fd;
	s->out = out_fd;
	lc_buf_init(&line, AG_MAX_LINE - 1);
	for (;;) {
		lc_err_clear(&err);
		rc = read_line(&s->in, &line, &err);
		if (rc == 1)
			break;
		if (rc < 0) {
			struct ag_req none = { 0 };

			fprintf(stderr, "lattice-agent: %s\n", err.msg);
			ret = send_reply(s, -1, &none, rc, &err) ? AG_EXIT_FAIL : AG_EXIT_PROTO;
			break;
		}
		if ((ret = handle(s, &line)) != AG_NEXT)
			break;
		ret = AG_EXIT_OK;
	}
	lc_buf_release(&line);
	ag_dkg_free(s->dkg); /* wipes the ceremony's secrets */
	sodium_memzero(s, sizeof(*s));
	free(s);
	return ret;
}
