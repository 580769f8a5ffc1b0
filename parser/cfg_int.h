/* SPDX-License-Identifier: ISC */
/*
 * cfg_int.h -- state shared by the lexer, the grammar and cfg.c.  Included
 * only inside parser/.
 */
#ifndef ECTLS_CFG_INT_H
#define ECTLS_CFG_INT_H

#include <sys/types.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "ast.h"
#include "cfg.h"
#include "diag.h"

#define CFG_MAX_DEPTH		256
#define CFG_MAX_INCLUDE_DEPTH	64
#define CFG_MAX_TOKEN		65536
#define CFG_LINE_QUEUE		64
/* Bytes of one input file.  Locations are 32-bit byte offsets. */
#define CFG_MAX_INPUT		((size_t)1 << 30)

/* One parse session: the top-level file and everything it includes. */
struct cfg {
	struct arena		 arena;		/* strings, file records */
	struct arena		 tree;		/* nodes and values */
	struct diag		*diag;
	struct cfg_opts		 opts;
	struct ast_node		*root;
	size_t			 errors;	/* errors filed by the parser */
	size_t			 input_bytes;
	int			 fatal;		/* stop everything (OOM, limits) */
	/* Files being read, outermost first, for include cycle detection. */
	struct {
		dev_t		 dev;
		ino_t		 ino;
	}			 stack[CFG_MAX_INCLUDE_DEPTH + 2];
	unsigned		 nstack;
	/* Input buffers, kept for the tree's text (freed by cfg_free). */
	char			**bufs;
	size_t			 nbufs, capbufs;
};

/* A token's text as the lexer hands it to the grammar. */
struct tok {
	const char	*s;
	uint32_t	 len;
};

/* A token given to the grammar, kept for messages. */
struct cfg_hist {
	int		 tok;
	struct tok	 text;
	struct loc	 loc;
};

/* One file being parsed. */
struct parser {
	struct cfg		*cfg;
	void			*scanner;	/* yyscan_t */
	struct loc_file		*file;
	const char		*buf;
	size_t			 len;
	/* Position of the next byte the lexer reads. */
	uint32_t		 line, col, off;
	/* Nesting of { ( [ (base: the depth of the including scope). */
	unsigned		 depth, base_depth;
	struct loc		*open;		/* location of each opener */
	char			*open_ch;	/* which opener */
	unsigned		 nopen;
	struct loc		 comment_start;
	/* A string or comment ran to the end of the file (reported). */
	int			 unterminated;
	struct loc		 multiline_string; /* the last one, for notes */
	/* Error recovery: emit SYNC before the next token that starts a line. */
	int			 recovering;
	uint32_t		 prev_line;	/* line of the previous token */
	int			 have_stash;	/* give hist[0] again after SYNC */
	unsigned		 stash_depth;
	/* Nesting after the last token given to the grammar, and at the
	 * last syntax error (recovery skips blocks opened after it). */
	unsigned		 cur_depth, err_depth;
	/* Read-ahead of one line, to recognise documentation elisions. */
	struct {
		int		 tok;
		struct tok	 text;
		struct loc	 loc;
		unsigned	 depth;
	}			 q[CFG_LINE_QUEUE];
	unsigned		 qhead, qlen;
	uint32_t		 raw_prev_line;	/* line of the last raw token */
	int			 unbalanced_close; /* "}" with nothing open */
	/*
	 * The last tokens given to the grammar, for messages: [0] the most
	 * recent, [1] the one before it, [2] the one before that.
	 */
	struct cfg_hist		 hist[3];
	/* A builder left text unterminated (see text_terminate() in cfg.c):
	 * cfg_terminate() then walks the tree after the parse. */
	int			 unterminated_text;
	/* The file's statements, set by the grammar's start rule. */
	struct ast_node		*result;
	/* opts.discard_tree: where the tree arena stood when the file began. */
	struct arena_mark	 tree_mark;
};

/*
 * Builders used by grammar actions (cfg.c).  All allocate in the tree
 * arena; cfg_top_stmt() releases a top-level statement's nodes when the
 * session discards the tree.
 */
struct ast_node	 *cfg_node(struct parser *, int kind, const struct tok *,
		    const struct loc *);
struct ast_value *cfg_scalar(struct parser *, int kind, const struct tok *,
		    const struct loc *);
struct ast_value *cfg_compound(struct parser *, int kind,
		    struct ast_value *, const struct loc *);
struct ast_value *cfg_entry(struct parser *, struct ast_value *key,
		    struct ast_value *);
void		  cfg_scope_body(struct ast_node *, struct ast_node *,
		    const struct loc *end);
void		  cfg_include(struct parser *, struct ast_node *);
void		  cfg_legacy_module(struct parser *, struct ast_node *,
		    struct ast_value *, const struct loc *);
void		  cfg_oom(struct parser *);
void		  cfg_top_stmt(struct parser *);

/* Findings from parser code: error with id, at loc. */
struct diag_item *cfg_error(struct parser *, const char *id,
		    const struct loc *, const char *, ...)
		    __attribute__((format(printf, 4, 5)));
struct diag_item *cfg_warning(struct parser *, const char *id,
		    const struct loc *, const char *, ...)
		    __attribute__((format(printf, 4, 5)));

/* Run the grammar over p->buf (lexer + parser), filling p->result. */
int		  cfg_run(struct parser *);

/* "token" rendering for messages: quoted, shortened, escaped. */
void		  cfg_quote(char *, size_t, const char *, size_t);

#endif
