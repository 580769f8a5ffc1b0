/* SPDX-License-Identifier: ISC */
/*
 * cfg.c -- parse sessions: reading files, includes, and the AST builders the
 * grammar calls.  Library code: findings go to the diag sink, nothing is
 * printed, nothing exits.
 */
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg_int.h"
#include "parser.h"

/* From the flex scanner (lexer.l). */
typedef void *yyscan_t;
int	cfg_yylex_init_extra(struct parser *, yyscan_t *);
int	cfg_yylex_destroy(yyscan_t);
void	*cfg_yy_scan_buffer(char *, size_t, yyscan_t);


static struct diag_item *
cfg_vreport(struct parser *p, enum diag_sev sev, const char *id,
    const struct loc *l, const char *fmt, va_list ap)
{
	struct diag_item *it;

	it = diag_vadd(p->cfg->diag, sev, id, l, fmt, ap);
	if (sev >= DIAG_ERROR)
		p->cfg->errors++;
	return it;
}

struct diag_item *
cfg_error(struct parser *p, const char *id, const struct loc *l,
    const char *fmt, ...)
{
	struct diag_item *it;
	va_list ap;

	va_start(ap, fmt);
	it = cfg_vreport(p, DIAG_ERROR, id, l, fmt, ap);
	va_end(ap);
	return it;
}

struct diag_item *
cfg_warning(struct parser *p, const char *id, const struct loc *l,
    const char *fmt, ...)
{
	struct diag_item *it;
	va_list ap;

	va_start(ap, fmt);
	it = cfg_vreport(p, DIAG_WARNING, id, l, fmt, ap);
	va_end(ap);
	return it;
}

void
cfg_oom(struct parser *p)
{
	if (!p->cfg->fatal)
		diag_add(p->cfg->diag, DIAG_FATAL, NULL, NULL, "out of memory");
	p->cfg->fatal = 1;
	p->cfg->errors++;
}

void
cfg_quote(char *buf, size_t size, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0, max;
	unsigned char c;

	if (size < 8)
		return;
	/* About 40 characters in the usual 96-byte buffer, more if larger. */
	max = size >= 96 ? size / 2 - 8 : 40;
	buf[o++] = '"';
	for (i = 0; i < n && i < max && o + 6 < size; i++) {
		c = (unsigned char)s[i];
		if (c == '"' || c == '\\') {
			buf[o++] = '\\';
			buf[o++] = (char)c;
		} else if (c < 0x20 || c == 0x7f) {
			buf[o++] = '\\';
			buf[o++] = 'x';
			buf[o++] = hex[c >> 4];
			buf[o++] = hex[c & 15];
		} else
			buf[o++] = (char)c;
	}
	if (i < n && o + 5 < size) {
		memcpy(buf + o, "...", 3);
		o += 3;
	}
	buf[o++] = '"';
	buf[o] = '\0';
}

/*
 * The builders below keep token text where it is (the input buffer, which
 * the session keeps, or a decoded string in the arena) and NUL-terminate
 * it at once where that is safe, else once the file is parsed
 * (cfg_terminate()).  Until then use the length.
 *
 * Safe: between two calls flex stands after the last token it matched,
 * with a NUL over the byte there (its hold character, put back when it
 * scans again); every byte before that it has read for good, and the
 * parser reads the buffer back only as token texts (never white space or
 * a quote: an elision's span of words is never built).  So a space, tab,
 * newline or quote after a text is behind the scanner and no token's; a
 * NUL there may be flex's, and anything else is a token ("a=b").
 */
static inline void
text_terminate(struct parser *p, const char *s, uint32_t len)
{
	char c = s[len];

	if (c == ' ' || c == '"' || c == '\n' || c == '\t')
		((char *)(uintptr_t)s)[len] = '\0';
	else if (c != '\0' || (uintptr_t)s - (uintptr_t)p->buf <= p->len)
		p->unterminated_text = 1;
	/* else a decoded string in the arena, terminated when decoded */
}

struct ast_node *
cfg_node(struct parser *p, int kind, const struct tok *t, const struct loc *l)
{
	struct ast_node *n;

	if ((n = arena_alloc(&p->cfg->tree, kind == AST_SCOPE ?
	    sizeof(struct ast_scope) : sizeof(*n))) == NULL) {
		cfg_oom(p);
		return NULL;
	}
	*n = (struct ast_node){
		.loc = *l,
		.name = t->s,
		.name_len = t->len,
		.kind = (uint8_t)kind,
	};
	text_terminate(p, t->s, t->len);
	if (kind == AST_SCOPE) {
		((struct ast_scope *)(void *)n)->end = *l;
		((struct ast_scope *)(void *)n)->legacy_name = NULL;
	}
	return n;
}

struct ast_value *
cfg_scalar(struct parser *p, int kind, const struct tok *t,
    const struct loc *l)
{
	struct ast_value *v;

	if ((v = arena_alloc(&p->cfg->tree, sizeof(*v))) == NULL) {
		cfg_oom(p);
		return NULL;
	}
	*v = (struct ast_value){
		.loc = *l,
		.kind = (uint8_t)kind,
		.len = t->len,
		.u.str = t->s,
	};
	text_terminate(p, t->s, t->len);
	return v;
}

struct ast_value *
cfg_compound(struct parser *p, int kind, struct ast_value *items,
    const struct loc *l)
{
	struct ast_value *v, *i;

	if ((v = arena_alloc(&p->cfg->tree, sizeof(*v))) == NULL) {
		cfg_oom(p);
		return NULL;
	}
	*v = (struct ast_value){
		.loc = *l,
		.kind = (uint8_t)kind,
		.u.items = items,
	};
	for (i = items; i != NULL; i = i->next)
		v->len++;
	return v;
}

/*
 * A dictionary entry: `val` with its key.  Entries are rare, so the value
 * is copied into a larger struct rather than every value carrying a key.
 */
struct ast_value *
cfg_entry(struct parser *p, struct ast_value *key, struct ast_value *val)
{
	struct ast_entry *e;

	if (key == NULL || val == NULL)
		return val;
	if ((e = arena_alloc(&p->cfg->tree, sizeof(*e))) == NULL) {
		cfg_oom(p);
		return NULL;
	}
	e->value = *val;
	e->value.flags |= AST_VF_ENTRY;
	e->key = key;
	return &e->value;
}

/*
 * A Momentum 2.x module declaration, "Logger logging/ec_logger NAME {":
 * the scope keyword names the module class, the second word the module
 * (after its directory) and the third the instance.
 */
void
cfg_legacy_module(struct parser *p, struct ast_node *n,
    struct ast_value *path, const struct loc *l)
{
	const struct ast_value *inst = n->value;
	const char *mod, *sl;
	char head[256], q[256];
	int len, mlen;

	n->flags |= AST_F_LEGACY;
	((struct ast_scope *)(void *)n)->legacy_name = path;
	if (path == NULL || inst == NULL)
		return;
	len = snprintf(head, sizeof(head), "%.*s %.*s %.*s", (int)n->name_len,
	    n->name, (int)path->len, path->u.str, (int)inst->len, inst->u.str);
	if (len < 0)
		return;
	cfg_quote(q, sizeof(q), head, strlen(head));
	/* The module is the last part of the path: "logging/ec_logger". */
	mod = path->u.str;
	mlen = (int)path->len;
	for (sl = path->u.str; sl < path->u.str + path->len - 1; sl++)
		if (*sl == '/') {
			mod = sl + 1;
			mlen = (int)(path->u.str + path->len - mod);
		}
	cfg_error(p, "legacy-syntax", l, "%s is Momentum 2.x module syntax; "
	    "Momentum 4 declares the module as \"%.*s { ... }\", or "
	    "\"%.*s NAME { ... }\" for an instance", q, mlen, mod, mlen, mod);
}

void
cfg_scope_body(struct ast_node *scope, struct ast_node *body,
    const struct loc *end)
{
	scope->children = body;
	((struct ast_scope *)(void *)scope)->end = *end;
}

/*
 * A top-level statement of the file was reduced.  When the session keeps
 * no tree, nothing refers to the tree arena past the file's start mark
 * any more (token text lives in the input buffer or the other arena; an
 * included file's statements were released by its own parser), so it all
 * goes.
 */
void
cfg_top_stmt(struct parser *p)
{
	if (p->cfg->opts.discard_tree)
		arena_release(&p->cfg->tree, &p->tree_mark);
}

/* NUL-terminate the text of v (and of its key and items). */
static void
terminate_value(struct ast_value *v)
{
	struct ast_entry *e;
	struct ast_value *i;

	if (v->flags & AST_VF_ENTRY) {
		e = (struct ast_entry *)(void *)v;
		if (e->key != NULL)
			terminate_value(e->key);
	}
	if (v->kind == AST_V_WORD || v->kind == AST_V_STRING)
		((char *)(uintptr_t)v->u.str)[v->len] = '\0';
	else
		for (i = v->u.items; i != NULL; i = i->next)
			terminate_value(i);
}

/*
 * Write the NUL after every name and string of a parsed file.  The byte
 * after a token is a delimiter, white space or one of the two NULs after
 * the buffer; the lexer is done with it.  Included files were terminated
 * when they were parsed.
 */
static void
cfg_terminate(struct ast_node *n)
{
	for (; n != NULL; n = n->next) {
		if (n->name != NULL)
			((char *)(uintptr_t)n->name)[n->name_len] = '\0';
		if (n->value != NULL)
			terminate_value(n->value);
		if (n->kind == AST_SCOPE) {
			if (((struct ast_scope *)(void *)n)->legacy_name != NULL)
				terminate_value(((struct ast_scope *)(void *)n)->
				    legacy_name);
			cfg_terminate(n->children);
		}
	}
}

/* The session keeps every input buffer: the tree points into them. */
static int
keep_buffer(struct cfg *c, char *buf)
{
	char **nb;
	size_t ncap;

	if (c->nbufs == c->capbufs) {
		ncap = c->capbufs ? c->capbufs * 2 : 8;
		if ((nb = realloc(c->bufs, ncap * sizeof(*nb))) == NULL)
			return -1;
		c->bufs = nb;
		c->capbufs = ncap;
	}
	c->bufs[c->nbufs++] = buf;
	return 0;
}

/* Failures of read_file() that have no errno value. */
#define READ_ENOTREG	(-1)	/* not a regular file or a pipe */
#define READ_ETOOBIG	(-2)	/* more than opts.max_input bytes */

static const char *
read_strerror(const struct cfg_opts *o, int err, char *buf, size_t size)
{
	if (err == READ_ENOTREG)
		return "not a regular file or a pipe";
	if (err == READ_ETOOBIG) {
		snprintf(buf, size, "larger than the input limit of %zu bytes",
		    o->max_input);
		return buf;
	}
	return strerror(err);
}

/*
 * Read a whole file into a buffer with two trailing NULs (what flex's
 * yy_scan_buffer wants).  Only regular files and pipes are read: a device
 * such as /dev/zero never ends, and a directory is not text.  At most
 * `max` bytes.  Returns 0, an errno value or a READ_E* code.
 */
static int
read_file(const char *path, size_t max, char **bufp, size_t *lenp,
    struct stat *st)
{
	char *buf = NULL, *nb;
	size_t len = 0, cap = 0;
	ssize_t r;
	int fd, err = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)) ==
	    -1)
		return errno;
	if (fstat(fd, st) == -1) {
		err = errno;
		goto out;
	}
	if (S_ISDIR(st->st_mode)) {
		err = EISDIR;
		goto out;
	}
	if (!S_ISREG(st->st_mode) && !S_ISFIFO(st->st_mode)) {
		err = READ_ENOTREG;
		goto out;
	}
	/* O_NONBLOCK only kept open() from waiting for a FIFO's writer. */
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) == -1) {
		err = errno;
		goto out;
	}
	if (S_ISREG(st->st_mode)) {
		if ((uintmax_t)st->st_size > max) {
			err = READ_ETOOBIG;
			goto out;
		}
		cap = (size_t)st->st_size + 3;
	}
	if (cap < 4096)
		cap = 4096;
	if ((buf = malloc(cap)) == NULL) {
		err = ENOMEM;
		goto out;
	}
	for (;;) {
		if (cap - len < 3) {
			if (len > max) {
				err = READ_ETOOBIG;
				goto out;
			}
			if ((nb = realloc(buf, cap * 2)) == NULL) {
				err = ENOMEM;
				goto out;
			}
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + len, cap - len - 2);
		if (r == -1) {
			if (errno == EINTR)
				continue;
			err = errno;
			goto out;
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	if (len > max) {
		err = READ_ETOOBIG;
		goto out;
	}
	buf[len] = buf[len + 1] = '\0';
	*bufp = buf;
	*lenp = len;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return err;
}

/*
 * Parse buf[0..len) (two NULs follow it) as `file`; returns its AST_FILE
 * node, or NULL when out of memory.  Takes ownership of buf (the session
 * keeps it: the tree points into it).
 */
static struct ast_node *
parse_buffer(struct cfg *c, struct loc_file *file, char *buf, size_t len,
    unsigned base_depth)
{
	struct parser p;
	struct ast_node *fn = NULL;
	unsigned slots;

	memset(&p, 0, sizeof(p));
	if (keep_buffer(c, buf) == -1) {
		free(buf);
		p.cfg = c;
		cfg_oom(&p);
		return NULL;
	}
	p.cfg = c;
	p.file = file;
	p.tree_mark = arena_mark(&c->tree);
	p.buf = buf;
	p.len = len;
	p.line = p.col = 1;
	p.depth = p.base_depth = base_depth;
	slots = c->opts.max_depth + 1;
	p.open = calloc(slots, sizeof(*p.open));
	p.open_ch = calloc(slots, 1);
	c->input_bytes += len;
	if (p.open == NULL || p.open_ch == NULL ||
	    cfg_yylex_init_extra(&p, &p.scanner) != 0) {
		cfg_oom(&p);
		goto out;
	}
	if (cfg_yy_scan_buffer(buf, len + 2, p.scanner) == NULL) {
		cfg_oom(&p);
		goto out;
	}
	/* 1: syntax error not recovered; 2: memory exhausted (bison stack). */
	if (cfg_run(&p) == 2)
		cfg_oom(&p);
	if (p.unterminated_text)
		cfg_terminate(p.result);
	if ((fn = arena_alloc(&c->arena, sizeof(*fn))) == NULL) {
		cfg_oom(&p);
		goto out;
	}
	*fn = (struct ast_node){
		.loc = { .file = file, .line = 1, .col = 1,
		    .len = (uint32_t)len },
		.kind = AST_FILE,
		.children = p.result,
	};
out:
	if (p.scanner != NULL)
		cfg_yylex_destroy(p.scanner);
	free(p.open);
	free(p.open_ch);
	return fn;
}

static struct loc_file *
new_file(struct cfg *c, const char *path, const struct loc_file *parent,
    const struct loc *at)
{
	struct loc_file *f;

	const char *copy;

	if ((copy = arena_strndup(&c->arena, path, strlen(path))) == NULL ||
	    (f = arena_alloc(&c->arena, sizeof(*f))) == NULL)
		return NULL;
	*f = (struct loc_file){
		.path = copy,
		.parent = parent,
		.parent_line = at != NULL ? at->line : 0,
		.parent_col = at != NULL ? at->col : 0,
	};
	return f;
}

static void
opts_defaults(struct cfg *c, const struct cfg_opts *o)
{
	if (o != NULL)
		c->opts = *o;
	if (c->opts.max_depth == 0)
		c->opts.max_depth = CFG_MAX_DEPTH;
	if (c->opts.max_include_depth == 0 ||
	    c->opts.max_include_depth > CFG_MAX_INCLUDE_DEPTH)
		c->opts.max_include_depth = CFG_MAX_INCLUDE_DEPTH;
	if (c->opts.max_token == 0)
		c->opts.max_token = CFG_MAX_TOKEN;
	if (c->opts.max_input == 0 || c->opts.max_input > CFG_MAX_INPUT)
		c->opts.max_input = CFG_MAX_INPUT;
}

static struct cfg *
cfg_new(const struct cfg_opts *o, struct diag *d)
{
	struct cfg *c;

	if ((c = calloc(1, sizeof(*c))) == NULL) {
		diag_add(d, DIAG_FATAL, NULL, NULL, "out of memory");
		return NULL;
	}
	arena_init(&c->arena);
	arena_init(&c->tree);
	c->diag = d;
	opts_defaults(c, o);
	return c;
}

struct cfg *
cfg_parse_file(const char *path, const struct cfg_opts *o, struct diag *d)
{
	struct loc_file *file;
	struct stat st;
	struct cfg *c;
	char *buf, why[64];
	size_t len;
	int err;

	if ((c = cfg_new(o, d)) == NULL)
		return NULL;
	if ((err = read_file(path, c->opts.max_input, &buf, &len, &st)) != 0) {
		diag_add(d, DIAG_FATAL, NULL, NULL, "cannot read \"%s\": %s",
		    path, read_strerror(&c->opts, err, why, sizeof(why)));
		cfg_free(c);
		return NULL;
	}
	if ((file = new_file(c, path, NULL, NULL)) == NULL) {
		diag_add(d, DIAG_FATAL, NULL, NULL, "out of memory");
		free(buf);
		cfg_free(c);
		return NULL;
	}
	c->stack[0].dev = st.st_dev;
	c->stack[0].ino = st.st_ino;
	c->nstack = 1;
	c->root = parse_buffer(c, file, buf, len, 0);
	if (c->root == NULL) {
		cfg_free(c);
		return NULL;
	}
	return c;
}

struct cfg *
cfg_parse_mem(const char *name, const void *data, size_t len,
    const struct cfg_opts *o, struct diag *d)
{
	struct loc_file *file;
	struct cfg *c;
	char *buf;

	if ((c = cfg_new(o, d)) == NULL)
		return NULL;
	if (len > c->opts.max_input) {
		diag_add(d, DIAG_FATAL, NULL, NULL, "cannot parse \"%s\": "
		    "larger than the input limit of %zu bytes", name,
		    c->opts.max_input);
		cfg_free(c);
		return NULL;
	}
	if ((buf = malloc(len + 2)) == NULL ||
	    (file = new_file(c, name, NULL, NULL)) == NULL) {
		free(buf);
		cfg_free(c);
		return NULL;
	}
	memcpy(buf, data, len);
	buf[len] = buf[len + 1] = '\0';
	c->root = parse_buffer(c, file, buf, len, 0);
	if (c->root == NULL) {
		cfg_free(c);
		return NULL;
	}
	return c;
}

void
cfg_free(struct cfg *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nbufs; i++)
		free(c->bufs[i]);
	free(c->bufs);
	arena_fini(&c->arena);
	arena_fini(&c->tree);
	free(c);
}

const struct ast_node *
cfg_root(const struct cfg *c)
{
	return c->root;
}

size_t
cfg_errors(const struct cfg *c)
{
	return c->errors;
}

size_t
cfg_input_bytes(const struct cfg *c)
{
	return c->input_bytes;
}

size_t
cfg_memory_bytes(const struct cfg *c)
{
	return c->arena.total + c->tree.total;
}

/* ---- includes ---- */

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * The path an include names, relative to the directory of the including
 * file.  "file://" URIs are paths; any other scheme cannot be checked.
 * Returns a malloc'd string or NULL (with *why set).
 */
static char *
include_path(const char *from, const char *arg, const char **why)
{
	const char *slash;
	char *r;
	size_t dl;

	*why = NULL;
	if (strncmp(arg, "file://", 7) == 0)
		arg += 7;
	else if (strstr(arg, "://") != NULL) {
		*why = "only file paths can be included here (URI schemes are "
		    "resolved by Momentum at run time)";
		return NULL;
	}
	if (arg[0] == '\0') {
		*why = "empty path";
		return NULL;
	}
	if (arg[0] == '/' || (slash = strrchr(from, '/')) == NULL)
		return strdup(arg);
	dl = (size_t)(slash - from) + 1;
	if ((r = malloc(dl + strlen(arg) + 1)) == NULL)
		return NULL;
	memcpy(r, from, dl);
	strcpy(r + dl, arg);
	return r;
}

/*
 * Report an include of `path`, which is already being read as entry `from`
 * of the include stack: the message names the whole cycle.
 */
static void
include_cycle(struct parser *p, const struct ast_node *inc, const char *path,
    unsigned from)
{
	const struct loc_file *f, *chain[CFG_MAX_INCLUDE_DEPTH + 2];
	char buf[4096], q[1024];
	size_t o = 0, len;
	unsigned n = 0, i;

	/* p->file is stack[nstack - 1]; its parents are the entries below. */
	for (f = p->file; f != NULL && n < p->cfg->nstack - from &&
	    n < CFG_MAX_INCLUDE_DEPTH + 2; f = f->parent)
		chain[n++] = f;
	buf[0] = '\0';
	for (i = n; i-- > 0;) {
		cfg_quote(q, sizeof(q), chain[i]->path, strlen(chain[i]->path));
		len = strlen(q);
		if (o + len + 16 >= sizeof(buf)) {
			memcpy(buf + o, "... -> ", 8);
			o += 7;
			break;
		}
		memcpy(buf + o, q, len);
		memcpy(buf + o + len, " -> ", 5);
		o += len + 4;
	}
	cfg_quote(q, sizeof(q), path, strlen(path));
	cfg_error(p, "include", &inc->value->loc, "include cycle: %s%s", buf,
	    q);
}

/* Include one file; appends an AST_FILE to *tail. */
static void
include_one(struct parser *p, struct ast_node *inc, const char *path,
    struct ast_node ***tail)
{
	struct cfg *c = p->cfg;
	struct loc_file *file;
	struct ast_node *fn;
	struct stat st;
	char *buf, why[64];
	size_t len;
	unsigned i;
	int err;

	if (c->nstack > c->opts.max_include_depth) {
		cfg_error(p, "include", &inc->value->loc,
		    "cannot include \"%s\": includes nested more than %u "
		    "levels deep", path, c->opts.max_include_depth);
		return;
	}
	if (stat(path, &st) == 0) {
		for (i = 0; i < c->nstack; i++) {
			if (c->stack[i].dev == st.st_dev &&
			    c->stack[i].ino == st.st_ino) {
				include_cycle(p, inc, path, i);
				return;
			}
		}
	}
	if ((err = read_file(path, c->opts.max_input, &buf, &len, &st)) !=
	    0) {
		cfg_error(p, "include", &inc->value->loc,
		    "cannot include \"%s\": %s", path,
		    read_strerror(&c->opts, err, why, sizeof(why)));
		return;
	}
	if ((file = new_file(c, path, p->file, &inc->loc)) == NULL) {
		free(buf);
		cfg_oom(p);
		return;
	}
	c->stack[c->nstack].dev = st.st_dev;
	c->stack[c->nstack].ino = st.st_ino;
	c->nstack++;
	fn = parse_buffer(c, file, buf, len, p->depth);
	c->nstack--;
	if (fn == NULL)
		return;
	**tail = fn;
	*tail = &fn->next;
}

/*
 * Resolve an include statement: parse the file, or every file of a
 * directory in lexical order (dotfiles and subdirectories skipped), as
 * children of the include node (they belong to the enclosing scope).
 */
void
cfg_include(struct parser *p, struct ast_node *inc)
{
	struct ast_node **tail = &inc->children;
	const char *why, *arg;
	char *path, **names = NULL, *full;
	struct dirent *de;
	struct stat st;
	size_t n = 0, cap = 0, i;
	DIR *dir;

	if (p->cfg->opts.no_includes || p->cfg->fatal || inc->value == NULL)
		return;
	if (inc->value->kind != AST_V_WORD && inc->value->kind != AST_V_STRING)
		return;
	/* The tree's text is NUL-terminated only after the parse. */
	if ((arg = arena_strndup(&p->cfg->arena, inc->value->u.str,
	    inc->value->len)) == NULL) {
		cfg_oom(p);
		return;
	}
	inc->value->u.str = arg;
	inc->flags |= AST_F_RESOLVED;
	if ((path = include_path(p->file->path, arg, &why)) == NULL) {
		if (why == NULL)
			cfg_oom(p);
		else
			cfg_error(p, "include", &inc->value->loc,
			    "cannot include \"%s\": %s", arg, why);
		return;
	}
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		if ((dir = opendir(path)) == NULL) {
			cfg_error(p, "include", &inc->value->loc,
			    "cannot include \"%s\": %s", path,
			    strerror(errno));
			free(path);
			return;
		}
		while ((de = readdir(dir)) != NULL) {
			if (de->d_name[0] == '.')
				continue;
			if (n == cap) {
				char **nn;

				cap = cap ? cap * 2 : 16;
				if ((nn = realloc(names, cap * sizeof(*nn))) ==
				    NULL)
					break;
				names = nn;
			}
			if ((names[n] = strdup(de->d_name)) == NULL)
				break;
			n++;
		}
		closedir(dir);
		if (n > 0)
			qsort(names, n, sizeof(*names), name_cmp);
		for (i = 0; i < n; i++) {
			full = malloc(strlen(path) + strlen(names[i]) + 2);
			if (full == NULL) {
				cfg_oom(p);
				break;
			}
			sprintf(full, "%s/%s", path, names[i]);
			/*
			 * Sub-directories are not processed (spec 1.9); nor
			 * are devices or pipes, which could block or never
			 * end.  A dangling symlink is an error at the include.
			 */
			if (stat(full, &st) == -1 || S_ISREG(st.st_mode))
				include_one(p, inc, full, &tail);
			free(full);
		}
		for (i = 0; i < n; i++)
			free(names[i]);
		free(names);
	} else
		include_one(p, inc, path, &tail);
	free(path);
}
