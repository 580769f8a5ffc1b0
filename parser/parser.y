/* SPDX-License-Identifier: ISC */
/*
 * parser.y -- the grammar of ecelerity.conf.  Syntax only: every action is
 * a one-line call to a builder in cfg.c; meaning is checked in compiler/.
 *
 * Statements have no terminator, so error recovery works by line: after a
 * syntax error the token wrapper (cfg_yylex) inserts a SYNC token before the
 * next token that starts a line, and `stmt: error SYNC` resumes there; a
 * "}" on the same line also ends recovery (`scope: ... stmts error '}'`).
 * Blocks that the bad line opened are skipped whole (to their matching
 * close), so one bad line gives one error and its "}" does not end the
 * enclosing scope.
 */
%code requires {
#include "cfg_int.h"
}

%define api.pure full
%define api.prefix {cfg_yy}
%define api.location.type {struct loc}
%define parse.error custom
/* Token numbers are symbol numbers: no translation table per token. */
%define api.token.raw
%locations
%param {struct parser *p}
%expect 0

%code {
#include <stdio.h>
#include <string.h>

int lex_scan(CFG_YYSTYPE *, CFG_YYLTYPE *, void *);
static int cfg_yylex(CFG_YYSTYPE *, CFG_YYLTYPE *, struct parser *);
static void cfg_yyerror(const CFG_YYLTYPE *, struct parser *, const char *);

/* A quoted rendering of a token, in the arena (for warnings). */
static const char *
cfg_quote_tmp(struct parser *p, const struct tok *t)
{
	char buf[96], *r;

	cfg_quote(buf, sizeof(buf), t->s, t->len);
	r = arena_strndup(&p->cfg->arena, buf, strlen(buf));
	return r != NULL ? r : "\"...\"";
}

/* A rule's location spans its first to its last symbol. */
#define YYLLOC_DEFAULT(Cur, Rhs, N) do {				\
	if (N) {							\
		(Cur) = YYRHSLOC(Rhs, 1);				\
		(Cur).len = YYRHSLOC(Rhs, N).off + YYRHSLOC(Rhs, N).len	\
		    - YYRHSLOC(Rhs, 1).off;				\
	} else {							\
		(Cur) = YYRHSLOC(Rhs, 0);				\
		(Cur).off += (Cur).len;					\
		(Cur).len = 0;						\
	}								\
} while (0)

#define NODE(kind, t, l)	cfg_node(p, (kind), &(t), &(l))

/* Append x to a first/last list of nodes or values. */
#define APPEND(l, x) do {						\
	if ((l).last != NULL)						\
		(l).last->next = (x);					\
	else								\
		(l).first = (x);					\
	(l).last = (x);							\
} while (0)
}

%union {
	struct tok		 tok;
	struct ast_node		*node;
	struct ast_value	*val;
	struct {
		struct ast_node	*first, *last;
	}			 nodes;
	struct {
		struct ast_value *first, *last;
	}			 vals;
}

%token <tok> WORD STRING INCLUDE READONLY_INCLUDE LEGACY_ATTRS ELISION
%token SYNC
%token EQ "=" LBRACE "{" RBRACE "}" LPAREN "(" RPAREN ")"
%token LBRACK "[" RBRACK "]" COMMA ","
%type <nodes> stmts top_stmts
%type <node> stmt
%type <val> value other_value scalar name_value
%type <vals> items entries

%%

file	: top_stmts		{ p->result = $1.first; }
	;

/* The file's statements: as stmts, but each may be dropped once parsed. */
top_stmts
	: %empty		{ $$.first = $$.last = NULL; }
	| top_stmts stmt	{
				$$ = $1;
				if (p->cfg->opts.discard_tree)
					cfg_top_stmt(p);
				else if ($2 != NULL)
					APPEND($$, $2);
				}
	;

stmts	: %empty		{ $$.first = $$.last = NULL; }
	| stmts stmt		{
				$$ = $1;
				if ($2 != NULL)
					APPEND($$, $2);
				}
	;

/*
 * Bison runs one reduction per rule, so the common statements are spelled
 * out with their tokens (WORD rather than a unit rule `word: WORD`, the
 * scalars inside `value`, a word or a string after "=" in `stmt`):
 * "name = word" costs one reduction, not five.
 * The states where the parser reads a token, and so the "expected ..."
 * lists of the messages, are the same as with the unit rules.
 */
stmt	: WORD "=" WORD		{
				$$ = NODE(AST_OPTION, $1, @1);
				if ($$) $$->value = cfg_scalar(p, AST_V_WORD, &$3, &@3);
				}
	| WORD "=" STRING	{
				$$ = NODE(AST_OPTION, $1, @1);
				if ($$) $$->value = cfg_scalar(p, AST_V_STRING, &$3, &@3);
				}
	| WORD "=" other_value	{ $$ = NODE(AST_OPTION, $1, @1); if ($$) $$->value = $3; }
	| WORD "[" entries "]"	{
				$$ = NODE(AST_OPTION, $1, @1);
				if ($$) $$->value = cfg_compound(p, AST_V_DICT, $3.first, &@2);
				}
	| INCLUDE scalar	{ $$ = NODE(AST_INCLUDE, $1, @1); if ($$) { $$->value = $2; cfg_include(p, $$); } }
	| READONLY_INCLUDE scalar {
				$$ = NODE(AST_INCLUDE, $1, @1);
				if ($$) { $$->flags |= AST_F_READONLY; $$->value = $2; cfg_include(p, $$); }
				}
	| ELISION stmt		{
				$$ = $2;
				cfg_warning(p, "doc-elision", &@1,
				    "documentation elision %s skipped (Momentum "
				    "rejects this line)", cfg_quote_tmp(p, &$1));
				}
	| SYNC			{ $$ = NULL; }
	| error SYNC		{ $$ = NULL; yyerrok; }
	/* Scopes. */
	| WORD "{" stmts "}"	{ $$ = NODE(AST_SCOPE, $1, @1); if ($$) cfg_scope_body($$, $3.first, &@4); }
	| WORD "=" "{" stmts "}" { $$ = NODE(AST_SCOPE, $1, @1); if ($$) cfg_scope_body($$, $4.first, &@5); }
	| WORD name_value "{" stmts "}" {
				$$ = NODE(AST_SCOPE, $1, @1);
				if ($$) { $$->value = $2; cfg_scope_body($$, $4.first, &@5); }
				}
	| WORD name_value "=" "{" stmts "}" {
				$$ = NODE(AST_SCOPE, $1, @1);
				if ($$) { $$->value = $2; cfg_scope_body($$, $5.first, &@6); }
				}
	| WORD name_value name_value legacy "{" stmts "}" {
				$$ = NODE(AST_SCOPE, $1, @1);
				if ($$) {
					$$->value = $3;
					cfg_scope_body($$, $6.first, &@7);
					cfg_legacy_module(p, $$, $2, &@1);
				}
				}
	| WORD "{" stmts error "}" { $$ = NULL; p->recovering = 0; yyerrok; }
	| WORD name_value "{" stmts error "}" { $$ = NULL; p->recovering = 0; yyerrok; }
	;

legacy	: %empty
	| LEGACY_ATTRS
	;

name_value
	: WORD			{ $$ = cfg_scalar(p, AST_V_WORD, &$1, &@1); }
	| STRING		{ $$ = cfg_scalar(p, AST_V_STRING, &$1, &@1); }
	;

scalar	: WORD			{ $$ = cfg_scalar(p, AST_V_WORD, &$1, &@1); }
	| INCLUDE		{ $$ = cfg_scalar(p, AST_V_WORD, &$1, &@1); }
	| READONLY_INCLUDE	{ $$ = cfg_scalar(p, AST_V_WORD, &$1, &@1); }
	| STRING		{ $$ = cfg_scalar(p, AST_V_STRING, &$1, &@1); }
	;

/*
 * A scalar (as `scalar`, spelled out) or a list or a dictionary.  The
 * values but a word or a string are `other_value`, so that "name = word"
 * and "name = string" (`stmt`, spelled out) need no reduction of a value.
 */
value	: WORD			{ $$ = cfg_scalar(p, AST_V_WORD, &$1, &@1); }
	| STRING		{ $$ = cfg_scalar(p, AST_V_STRING, &$1, &@1); }
	| other_value
	;

other_value
	: INCLUDE		{ $$ = cfg_scalar(p, AST_V_WORD, &$1, &@1); }
	| READONLY_INCLUDE	{ $$ = cfg_scalar(p, AST_V_WORD, &$1, &@1); }
	| "(" items ")"		{ $$ = cfg_compound(p, AST_V_LIST, $2.first, &@$); }
	| "[" entries "]"	{ $$ = cfg_compound(p, AST_V_DICT, $2.first, &@$); }
	;

/* List items, whitespace- or comma-separated: ( a "b", c ). */
items	: %empty		{ $$.first = $$.last = NULL; }
	| items value comma	{
				$$ = $1;
				if ($2 != NULL)
					APPEND($$, $2);
				}
	| items value LEGACY_ATTRS comma {
				$$ = $1;
				cfg_error(p, "legacy-syntax", &@3,
				    "listener attributes \"<...>\" are Momentum 2.x syntax; "
				    "Momentum 4 uses Listen scopes inside the listener");
				}
	;

comma	: %empty
	| ","
	;

/* Dictionary entries: [ k = v  k2 = v2 ], "=" optional before "[". */
entries	: %empty		{ $$.first = $$.last = NULL; }
	| entries scalar "=" value comma {
				$$ = $1;
				struct ast_value *e = cfg_entry(p, $2, $4);
				if (e != NULL)
					APPEND($$, e);
				}
	| entries scalar "[" entries "]" comma {
				struct ast_value *d = cfg_entry(p, $2,
				    cfg_compound(p, AST_V_DICT, $4.first, &@3));
				$$ = $1;
				if (d != NULL)
					APPEND($$, d);
				}
	;

%%

/* The token's name for "expected ..." lists. */
static const char *
sym_name(yysymbol_kind_t k)
{
	switch (k) {
	case YYSYMBOL_YYEOF:
		return "end of file";
	case YYSYMBOL_WORD:
	case YYSYMBOL_INCLUDE:
	case YYSYMBOL_READONLY_INCLUDE:
		return "a word";
	case YYSYMBOL_STRING:
		return "a quoted string";
	case YYSYMBOL_LEGACY_ATTRS:
		return "\"<...>\"";
	case YYSYMBOL_ELISION:
		return "a documentation elision";
	case YYSYMBOL_EQ:
		return "\"=\"";
	case YYSYMBOL_LBRACE:
		return "\"{\"";
	case YYSYMBOL_RBRACE:
		return "\"}\"";
	case YYSYMBOL_LPAREN:
		return "\"(\"";
	case YYSYMBOL_RPAREN:
		return "\")\"";
	case YYSYMBOL_LBRACK:
		return "\"[\"";
	case YYSYMBOL_RBRACK:
		return "\"]\"";
	case YYSYMBOL_COMMA:
		return "\",\"";
	default:
		break;
	}
	return NULL;
}

/* Render the offending token for a message. */
static void
tok_render(struct parser *p, yysymbol_kind_t k, char *buf, size_t size)
{
	const struct tok *t = &p->hist[0].text;
	char q[96];

	switch (k) {
	case YYSYMBOL_YYEOF:
		snprintf(buf, size, "end of file");
		break;
	case YYSYMBOL_STRING:
		cfg_quote(q, sizeof(q), t->s, t->len);
		snprintf(buf, size, "the string %s", q);
		break;
	case YYSYMBOL_WORD:
	case YYSYMBOL_INCLUDE:
	case YYSYMBOL_READONLY_INCLUDE:
	case YYSYMBOL_LEGACY_ATTRS:
	case YYSYMBOL_ELISION:
		cfg_quote(buf, size, t->s, t->len);
		break;
	default:
		snprintf(buf, size, "\"%.*s\"", (int)t->len, t->s);
		break;
	}
}

static int
yyreport_syntax_error(const yypcontext_t *ctx, struct parser *p)
{
	yysymbol_kind_t exp[YYNTOKENS], tok = yypcontext_token(ctx);
	const struct loc *l = yypcontext_location(ctx);
	/* The two tokens before the offending one. */
	const struct cfg_hist *prev = &p->hist[1], *pprev = &p->hist[2];
	struct diag_item *it;
	char got[128], want[256], after[128];
	const char *names[YYNTOKENS], *nm;
	int n, i, j, k, dup, stmt;
	size_t w;

	if (p->cfg->fatal || p->cfg->diag->truncated)
		return 0;
	p->recovering = 1;
	p->err_depth = p->cur_depth;
	/* The lexer has reported why the text ended early. */
	if (tok == YYSYMBOL_YYEOF && p->unterminated)
		return 0;
	if (tok == YYSYMBOL_YYEOF && p->nopen > 0 &&
	    p->open_ch[p->nopen - 1] == '{') {
		it = cfg_error(p, "syntax", l,
		    "expected \"}\" at end of file");
		diag_note(p->cfg->diag, it, &p->open[p->nopen - 1],
		    "to match this \"{\"");
		return 0;
	}
	if (tok == YYSYMBOL_YYEOF && p->nopen > 0) {
		it = cfg_error(p, "syntax", l,
		    "expected \"%c\" at end of file",
		    p->open_ch[p->nopen - 1] == '(' ? ')' : ']');
		diag_note(p->cfg->diag, it, &p->open[p->nopen - 1],
		    "to match this \"%c\"", p->open_ch[p->nopen - 1]);
		return 0;
	}
	tok_render(p, tok, got, sizeof(got));
	if (prev->tok == ELISION) {
		char q[96];

		cfg_quote(q, sizeof(q), prev->text.s, prev->text.len);
		cfg_error(p, "syntax", &prev->loc, "documentation elision %s "
		    "is not configuration (expected a statement after it, "
		    "got %s)", q, got);
		return 0;
	}
	/*
	 * "name =" at the end of a line takes the next line's first word as
	 * its value; the error then shows on that line.  Say what happened.
	 */
	if (prev->tok == WORD && pprev->tok == EQ &&
	    prev->loc.line != pprev->loc.line &&
	    (tok == YYSYMBOL_YYEOF || l->line == prev->loc.line)) {
		struct loc at = pprev->loc;

		at.col += at.len;
		at.off += at.len;
		at.len = 0;
		cfg_error(p, "syntax", &at,
		    "expected a value after \"=\", got end of line");
		return 0;
	}
	n = yypcontext_expected_tokens(ctx, exp, YYNTOKENS);
	/*
	 * Where a statement may start (an elision is possible only there),
	 * a word is an option or scope name, and "end of file" or an elision
	 * are no help to the reader.
	 */
	for (stmt = 0, i = 0; i < n; i++)
		if (exp[i] == YYSYMBOL_ELISION)
			stmt = 1;
	k = 0;
	for (i = 0; i < n; i++) {
		if (exp[i] == YYSYMBOL_SYNC || exp[i] == YYSYMBOL_YYerror)
			continue;
		if (stmt && (exp[i] == YYSYMBOL_YYEOF ||
		    exp[i] == YYSYMBOL_ELISION))
			continue;
		if (stmt && (exp[i] == YYSYMBOL_WORD ||
		    exp[i] == YYSYMBOL_INCLUDE ||
		    exp[i] == YYSYMBOL_READONLY_INCLUDE))
			nm = "an option or scope name";
		else if ((nm = sym_name(exp[i])) == NULL)
			nm = yysymbol_name(exp[i]);
		for (dup = 0, j = 0; j < k; j++)
			if (strcmp(names[j], nm) == 0)
				dup = 1;
		if (!dup)
			names[k++] = nm;
	}
	want[0] = '\0';
	w = 0;
	for (i = 0; i < k && w < sizeof(want); i++) {
		w += snprintf(want + w, sizeof(want) - w, "%s%s",
		    i == 0 ? "" : (i == k - 1 ? " or " : ", "), names[i]);
	}
	after[0] = '\0';
	/* Name the token before only if it is on the same line. */
	if (prev->tok != 0 && prev->tok != SYNC &&
	    (prev->loc.line == l->line || tok == YYSYMBOL_YYEOF)) {
		char q[96];

		if (prev->tok == STRING) {
			cfg_quote(q, sizeof(q), prev->text.s, prev->text.len);
			snprintf(after, sizeof(after), " after the string %s", q);
		} else if (prev->tok == WORD || prev->tok == INCLUDE ||
		    prev->tok == READONLY_INCLUDE) {
			cfg_quote(q, sizeof(q), prev->text.s, prev->text.len);
			snprintf(after, sizeof(after), " after %s", q);
		} else
			snprintf(after, sizeof(after), " after \"%.*s\"",
			    (int)prev->text.len, prev->text.s);
	}
	if (tok == YYSYMBOL_RBRACE && p->unbalanced_close)
		cfg_error(p, "syntax", l, "unexpected \"}\" (no scope is open)");
	else if (k == 0)
		/* Not reached: every state of the grammar expects a token. */
		cfg_error(p, "syntax", l, "unexpected %s", got);
	else
		cfg_error(p, "syntax", l, "expected %s%s, got %s", want, after,
		    got);
	return 0;
}

/*
 * Read one token from the scanner; *depth is the nesting of { ( [ after
 * it (the lexer counts while it reads ahead of the grammar).
 */
static inline int
raw_scan(struct parser *p, struct tok *text, struct loc *loc,
    unsigned *depth)
{
	CFG_YYSTYPE v;
	int tok;

	if (p->cfg->fatal || p->cfg->diag->truncated)
		tok = 0;
	else
		tok = lex_scan(&v, loc, p->scanner);
	if (p->cfg->fatal || p->cfg->diag->truncated)
		tok = 0;
	if (tok == 0) {
		loc->file = p->file;
		loc->line = p->line;
		loc->col = p->col;
		loc->off = p->off;
		loc->len = 0;
		text->s = "";
		text->len = 0;
	} else if (tok == WORD || tok == STRING || tok == INCLUDE ||
	    tok == READONLY_INCLUDE || tok == LEGACY_ATTRS)
		*text = v.tok;
	else {
		text->s = p->buf + loc->off;
		text->len = loc->len;
	}
	*depth = p->nopen;
	return tok;
}

/* Read one token from the line queue, or else the scanner. */
static int
raw_next(struct parser *p, struct tok *text, struct loc *loc,
    unsigned *depth)
{
	int tok;

	if (p->qlen == 0)
		return raw_scan(p, text, loc, depth);
	tok = p->q[p->qhead].tok;
	*depth = p->q[p->qhead].depth;
	*text = p->q[p->qhead].text;
	*loc = p->q[p->qhead].loc;
	p->qhead = (p->qhead + 1) % CFG_LINE_QUEUE;
	p->qlen--;
	return tok;
}

static int
has_ellipsis(const struct tok *t)
{
	const char *d = t->s, *end = t->s + t->len;

	while (end - d >= 3 && (d = memchr(d, '.', (size_t)(end - d - 2))) !=
	    NULL) {
		if (d[1] == '.' && d[2] == '.')
			return 1;
		d++;
	}
	return 0;
}

static void
queue_push(struct parser *p, int tok, const struct tok *text,
    const struct loc *loc, unsigned depth)
{
	unsigned i = (p->qhead + p->qlen) % CFG_LINE_QUEUE;

	p->q[i].depth = depth;
	p->q[i].tok = tok;
	p->q[i].text = *text;
	p->q[i].loc = *loc;
	p->qlen++;
}

/*
 * Documentation elisions.  Text pasted from the documentation carries
 * lines such as "..." or "... other options here ..." and prose sentences
 * ("Then modify your listener:").  A line made only of bare words that
 * contains an ellipsis, or of three or more words ending in ":", is handed
 * to the grammar as one ELISION token: between two statements it is
 * skipped with a warning, anywhere else it is an error.
 *
 * The word `tok` (text, loc) starts a line: read the rest of the line
 * ahead and return ELISION (text and loc then span the line) or `tok`.
 */
static int __attribute__((noinline))	/* keeps next_token() small */
line_elision(struct parser *p, int tok, struct tok *text, struct loc *loc)
{
	struct tok t;
	struct loc l, end;
	unsigned n = 1, i, d;
	int ell, k;

	end = *loc;
	/* Read the rest of the line; stop at anything but a bare word. */
	for (;;) {
		k = raw_scan(p, &t, &l, &d);
		queue_push(p, k, &t, &l, d);
		if (k != WORD || l.line != loc->line || p->qlen ==
		    CFG_LINE_QUEUE - 1)
			break;
		n++;
		end = l;
	}
	/* The last queued token is the first one after the line. */
	if (k == WORD && l.line == loc->line)
		return tok;	/* line too long to judge: not an elision */
	if (k != 0 && l.line == loc->line)
		return tok;	/* "=", "{", ... on the same line */
	/* The line's words: `text`, then the first n - 1 queued. */
	ell = has_ellipsis(text);
	for (i = 0; !ell && i + 1 < n; i++)
		ell = has_ellipsis(&p->q[(p->qhead + i) % CFG_LINE_QUEUE].text);
	if (!ell) {
		const struct tok *last = n == 1 ? text : &p->q[(p->qhead +
		    n - 2) % CFG_LINE_QUEUE].text;

		if (n < 3 || last->len == 0 || last->s[last->len - 1] != ':' ||
		    k == LBRACE || k == EQ || k == LBRACK || k == LPAREN)
			return tok;
	}
	/* Drop the line's words from the queue; keep the next token. */
	for (i = 1; i < n; i++) {
		p->qhead = (p->qhead + 1) % CFG_LINE_QUEUE;
		p->qlen--;
	}
	p->raw_prev_line = end.line;
	loc->len = end.off + end.len - loc->off;
	text->s = p->buf + loc->off;
	text->len = loc->len;
	return ELISION;
}

/* The next token for the grammar: raw_next(), elision lines joined. */
static int
next_token(struct parser *p, struct tok *text, struct loc *loc,
    unsigned *depth)
{
	int tok;

	/* Words do not change the nesting: *depth holds for an elision too. */
	tok = raw_next(p, text, loc, depth);
	if (tok != WORD || loc->line == p->raw_prev_line) {
		p->raw_prev_line = loc->line;
		return tok;
	}
	p->raw_prev_line = loc->line;
	/*
	 * No shortcut from peeking at the buffer here: while a token is being
	 * handled flex keeps a NUL over the byte after it (its hold
	 * character), so the buffer does not show what follows.
	 */
	return line_elision(p, tok, text, loc);
}

/*
 * The token source of the grammar: the flex scanner, elision lines, error
 * recovery (a SYNC token before the first token of a line while
 * recovering) and the limits (stop at fatal errors and when the error
 * budget is spent).
 */
static int
cfg_yylex(CFG_YYSTYPE *lval, CFG_YYLTYPE *lloc, struct parser *p)
{
	struct cfg_hist *h;
	unsigned depth;
	int first;

	if (p->have_stash) {
		/* The token that the SYNC before it was given for. */
		p->have_stash = 0;
		h = &p->hist[0];
		lval->tok = h->text;
		*lloc = h->loc;
		p->cur_depth = p->stash_depth;
		return h->tok;
	}
	/* Shift the history (the copies cost less than indexing a ring). */
	p->hist[2] = p->hist[1];
	p->hist[1] = p->hist[0];
	h = &p->hist[0];
	h->tok = next_token(p, &h->text, &h->loc, &depth);
	/* Never before end of file: recovery there must end the parse. */
	first = h->tok != 0 && h->loc.line != p->prev_line;
	if (p->recovering && first && p->cur_depth > p->err_depth) {
		/*
		 * The bad line opened blocks that the grammar never saw:
		 * skip them whole, up to and including the matching close,
		 * or their "}" would end the enclosing scope.
		 */
		while (h->tok != 0 && depth > p->err_depth)
			h->tok = next_token(p, &h->text, &h->loc, &depth);
		if (h->tok != 0)
			h->tok = next_token(p, &h->text, &h->loc, &depth);
		first = h->tok != 0;
	}
	p->cur_depth = depth;
	p->prev_line = h->loc.line;
	lval->tok = h->text;
	*lloc = h->loc;
	if (p->recovering && first) {
		p->recovering = 0;
		p->have_stash = 1;
		p->stash_depth = depth;
		/* Messages about the token then say nothing of the one before. */
		p->hist[1].tok = SYNC;
		lloc->len = 0;
		return SYNC;
	}
	return h->tok;
}

/* Bison calls this only for "memory exhausted" (its stack limit). */
static void
cfg_yyerror(const CFG_YYLTYPE *l, struct parser *p, const char *msg)
{
	cfg_error(p, "limit", l, "%s", msg);
}

int
cfg_run(struct parser *p)
{
	return cfg_yyparse(p);
}
