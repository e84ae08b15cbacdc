/*
 * expr — compile a row condition once, evaluate it a block of rows at a time.
 *
 * Compilation is a recursive-descent parser that type-checks as it builds:
 * each parse function returns a node that is either an untyped leaf (a
 * literal or a column reference, resolved by the operator that consumes it)
 * or a typed vector node (numeric: a block of doubles with NaN for missing;
 * logical: a block of 0/1 bytes).  Comparisons pick a specialised node by
 * the operand kinds — an int column against an integer compares int64s
 * exactly, a cat column against a string becomes a per-level truth table
 * built once, a time column against 'YYYY-MM-DD' compares microseconds.
 *
 * Evaluation calls each node once per block of BLOCK rows; each node is a
 * tight loop over its children's buffers, which the compiler vectorises.
 */
#include "core/expr.h"
#include "core/frame_ops.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { BLOCK = 1024 };

enum tk {
	T_END, T_NAME, T_NUM, T_STR, T_LP, T_RP, T_COMMA,
	T_EQ, T_NE, T_LT, T_LE, T_GT, T_GE, T_PLUS, T_MINUS, T_STAR, T_SLASH,
	T_AND, T_OR, T_NOT, T_IN, T_TRUE, T_FALSE,
};

struct token {
	enum tk k;
	size_t pos;
	double num;
	char *text;  /* T_NAME, T_STR: unescaped, owned */
	size_t tlen;
	int quoted;  /* a `back quoted` name: never a keyword or function */
};

enum nk {
	/* untyped leaves, resolved by the operator that uses them */
	N_LNUM, N_LSTR, N_LBOOL, N_COL,
	/* numeric vectors */
	N_NUMCONST, N_NUMCOL, N_ARITH, N_NEG,
	/* logical vectors */
	N_LOGCONST, N_AND, N_OR, N_NOT, N_ISMISSING, N_BOOLCOL,
	N_CMP_NUM, N_CMP_I64, N_CMP_I64COLS, N_LEVELS, N_CMP_STR, N_IN_STR, N_IN_NUM,
	N_CMP_BOOL, N_CMP_BOOLCOLS, N_CMP_TEXT,
};

struct node {
	enum nk k;
	enum tk op;
	size_t pos;
	struct node *a, *b;
	double num;
	int64_t i64;
	int bval, neg;
	char *str;
	size_t slen;
	const struct column *col, *col2;
	const char *name;
	uint8_t *table;      /* N_LEVELS: truth per level */
	double *nums;        /* N_IN_NUM */
	size_t nnums;
	char **strs;         /* N_IN_STR */
	size_t *slens, nstrs;
	double *dbuf;        /* numeric nodes */
	uint8_t *mbuf;       /* logical nodes */
	struct node *next;   /* every node, for freeing */
};

struct expr {
	const struct frame *f;
	struct node *root, *all;
	char **texts;        /* token texts that nodes point into */
	size_t ntexts;
};

struct parser {
	const struct frame *f;
	const char *src, *who;
	struct token *toks;
	size_t ntok, p;
	struct wb_err *err;
	struct expr *e;
};

/* ---- errors ---- */

static void where(const char *src, size_t pos, char *buf, size_t size)
{
	size_t line = 1, col = 1;
	for (size_t i = 0; i < pos && src[i]; i++) {
		if (src[i] == '\n') {
			line++;
			col = 1;
		} else {
			col++;
		}
	}
	snprintf(buf, size, " at %zu:%zu", line, col);
}

/* Syntax errors quote the expression: the position alone is hard to read
 * when the expression came from a script. */
static void *syntax_error(struct parser *ps, size_t pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void *syntax_error(struct parser *ps, size_t pos, const char *fmt, ...)
{
	char msg[512], at[48];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	where(ps->src, pos, at, sizeof(at));
	wb_error(ps->err, "%s: %s%s in \"%s\"", ps->who, msg, at, ps->src);
	return NULL;
}

static void *type_error(struct parser *ps, size_t pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void *type_error(struct parser *ps, size_t pos, const char *fmt, ...)
{
	char msg[512], at[48];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	where(ps->src, pos, at, sizeof(at));
	wb_error(ps->err, "%s: %s%s", ps->who, msg, at);
	return NULL;
}

/* ---- lexer ---- */

static int lex_quoted(struct parser *ps, size_t *i, char q, struct token *t)
{
	const char *s = ps->src;
	size_t start = *i, j = *i + 1, n = 0;
	char *out = xmalloc(strlen(s + start) + 1);
	for (;;) {
		char ch = s[j];
		if (!ch) {
			free(out);
			syntax_error(ps, start, q == '`' ? "unterminated `name`" : "unterminated string");
			return -1;
		}
		if (ch == q && s[j + 1] == q) { /* doubled quote */
			out[n++] = q;
			j += 2;
		} else if (ch == q) {
			j++;
			break;
		} else if (ch == '\\' && s[j + 1]) {
			char e = s[j + 1];
			out[n++] = e == 'n' ? '\n' : e == 't' ? '\t' : e;
			j += 2;
		} else {
			out[n++] = ch;
			j++;
		}
	}
	out[n] = '\0';
	t->text = out;
	t->tlen = n;
	*i = j;
	return 0;
}

static const struct {
	const char *word;
	enum tk k;
} keywords[] = {
	{ "and", T_AND }, { "or", T_OR }, { "not", T_NOT }, { "in", T_IN },
	{ "true", T_TRUE }, { "false", T_FALSE },
};

static int lex(struct parser *ps)
{
	const char *s = ps->src;
	size_t i = 0, cap = 16;
	ps->toks = xmallocarray(cap, sizeof(struct token));
	ps->ntok = 0;
	for (;;) {
		while (isspace((unsigned char)s[i]))
			i++;
		if (ps->ntok + 1 >= cap) {
			cap *= 2;
			ps->toks = xreallocarray(ps->toks, cap, sizeof(struct token));
		}
		struct token *t = &ps->toks[ps->ntok];
		memset(t, 0, sizeof(*t));
		t->pos = i;
		char ch = s[i];
		if (!ch) {
			t->k = T_END;
			ps->ntok++;
			return 0;
		}
		if (isdigit((unsigned char)ch) || (ch == '.' && isdigit((unsigned char)s[i + 1]))) {
			char *end;
			t->k = T_NUM;
			t->num = strtod(s + i, &end);
			i = (size_t)(end - s);
			if (isalpha((unsigned char)s[i]) || s[i] == '_')
				return syntax_error(ps, t->pos, "malformed number"), -1;
		} else if (isalpha((unsigned char)ch) || ch == '_') {
			size_t j = i;
			while (isalnum((unsigned char)s[j]) || s[j] == '_' || s[j] == '.')
				j++;
			t->k = T_NAME;
			t->text = xstrndup(s + i, j - i);
			t->tlen = j - i;
			for (size_t w = 0; w < sizeof(keywords) / sizeof(keywords[0]); w++)
				if (!strcasecmp(t->text, keywords[w].word)) {
					t->k = keywords[w].k;
					free(t->text);
					t->text = NULL;
					break;
				}
			i = j;
		} else if (ch == '\'' || ch == '"' || ch == '`') {
			if (lex_quoted(ps, &i, ch, t) < 0)
				return -1;
			t->k = ch == '`' ? T_NAME : T_STR;
			t->quoted = ch == '`';
		} else {
			char c2 = s[i + 1];
			i++;
			switch (ch) {
			case '(': t->k = T_LP; break;
			case ')': t->k = T_RP; break;
			case ',': t->k = T_COMMA; break;
			case '+': t->k = T_PLUS; break;
			case '-': t->k = T_MINUS; break;
			case '*': t->k = T_STAR; break;
			case '/': t->k = T_SLASH; break;
			case '=':
				t->k = T_EQ;
				i += c2 == '=';
				break;
			case '!':
				if (c2 != '=')
					return syntax_error(ps, t->pos, "unexpected '!' (use 'not' or '!=')"), -1;
				t->k = T_NE;
				i++;
				break;
			case '<':
				t->k = c2 == '=' ? T_LE : T_LT;
				i += c2 == '=';
				break;
			case '>':
				t->k = c2 == '=' ? T_GE : T_GT;
				i += c2 == '=';
				break;
			default:
				if ((unsigned char)ch < 0x20 || (unsigned char)ch >= 0x7f)
					return syntax_error(ps, t->pos, "unexpected character 0x%02x",
							    (unsigned char)ch), -1;
				return syntax_error(ps, t->pos, "unexpected character '%c'", ch), -1;
			}
		}
		ps->ntok++;
	}
}

static const char *tok_desc(const struct token *t)
{
	switch (t->k) {
	case T_END: return "end of expression";
	case T_NAME: return "a name";
	case T_NUM: return "a number";
	case T_STR: return "a string";
	case T_LP: return "'('";
	case T_RP: return "')'";
	case T_COMMA: return "','";
	case T_EQ: return "'=='";
	case T_NE: return "'!='";
	case T_LT: return "'<'";
	case T_LE: return "'<='";
	case T_GT: return "'>'";
	case T_GE: return "'>='";
	case T_PLUS: return "'+'";
	case T_MINUS: return "'-'";
	case T_STAR: return "'*'";
	case T_SLASH: return "'/'";
	case T_AND: return "'and'";
	case T_OR: return "'or'";
	case T_NOT: return "'not'";
	case T_IN: return "'in'";
	case T_TRUE: return "'true'";
	case T_FALSE: return "'false'";
	}
	return "?";
}

/* ---- nodes ---- */

static struct node *new_node(struct parser *ps, enum nk k, size_t pos)
{
	struct node *n = xcalloc(1, sizeof(*n));
	n->k = k;
	n->pos = pos;
	n->next = ps->e->all;
	ps->e->all = n;
	return n;
}

static int is_numeric(const struct node *n)
{
	return n->k == N_NUMCONST || n->k == N_NUMCOL || n->k == N_ARITH || n->k == N_NEG;
}

static int is_logical(const struct node *n)
{
	return n->k >= N_LOGCONST;
}

static int col_is_num(const struct node *n)
{
	return n->k == N_COL && (n->col->kind == COL_NUM || n->col->kind == COL_INT);
}

/* "cat column 'Home'", "a number", ... for type errors. */
static const char *node_desc(const struct node *n, char *buf, size_t size)
{
	if (n->k == N_COL) {
		snprintf(buf, size, "%s column '%s'", col_kind_name(n->col->kind), n->name);
		return buf;
	}
	if (n->k == N_LNUM || is_numeric(n))
		return "a number";
	if (n->k == N_LSTR)
		return "a string";
	if (n->k == N_LBOOL)
		return "true/false";
	return "a condition";
}

static void fill_const(struct node *n, double v)
{
	n->k = N_NUMCONST;
	n->num = v;
	n->dbuf = xmallocarray(BLOCK, sizeof(double));
	for (int i = 0; i < BLOCK; i++)
		n->dbuf[i] = v;
}

static void fill_logconst(struct node *n, int v)
{
	n->k = N_LOGCONST;
	n->bval = v;
	n->mbuf = xmalloc(BLOCK);
	memset(n->mbuf, v, BLOCK);
}

/* Resolves a leaf used as a number (arithmetic, numeric comparison). */
static struct node *as_numeric(struct parser *ps, struct node *n, const char *what)
{
	char d[300];
	if (is_numeric(n))
		return n;
	if (n->k == N_LNUM) {
		fill_const(n, n->num);
		return n;
	}
	if (col_is_num(n)) {
		n->k = N_NUMCOL;
		n->dbuf = xmallocarray(BLOCK, sizeof(double));
		return n;
	}
	return type_error(ps, n->pos, "cannot use %s in %s", node_desc(n, d, sizeof(d)), what);
}

/* Resolves a node used as a condition (and/or/not, the whole expression). */
static struct node *as_logical(struct parser *ps, struct node *n)
{
	char d[300];
	if (is_logical(n))
		return n;
	if (n->k == N_LBOOL) {
		fill_logconst(n, n->bval);
		return n;
	}
	if (n->k == N_COL && n->col->kind == COL_BOOL) {
		n->k = N_BOOLCOL;
		n->mbuf = xmalloc(BLOCK);
		return n;
	}
	return type_error(ps, n->pos, "expected a condition, found %s", node_desc(n, d, sizeof(d)));
}

static struct node *logical_node(struct parser *ps, enum nk k, size_t pos)
{
	struct node *n = new_node(ps, k, pos);
	n->mbuf = xmalloc(BLOCK);
	return n;
}

/* ---- parser ---- */

static struct token *peek(struct parser *ps)
{
	return &ps->toks[ps->p];
}

static struct node *parse_or(struct parser *ps);

static struct node *column_leaf(struct parser *ps, const struct token *t)
{
	int j = frame_find(ps->f, t->text);
	if (j < 0) {
		char at[48];
		where(ps->src, t->pos, at, sizeof(at));
		frame_err_unknown(ps->err, ps->f, ps->who, t->text, at);
		return NULL;
	}
	struct node *n = new_node(ps, N_COL, t->pos);
	n->col = ps->f->cols[j];
	n->name = ps->f->names[j];
	return n;
}

static struct node *parse_atom(struct parser *ps)
{
	struct token *t = peek(ps);
	struct node *n;
	switch (t->k) {
	case T_NUM:
		ps->p++;
		n = new_node(ps, N_LNUM, t->pos);
		n->num = t->num;
		return n;
	case T_STR:
		ps->p++;
		n = new_node(ps, N_LSTR, t->pos);
		n->str = t->text;
		n->slen = t->tlen;
		return n;
	case T_TRUE:
	case T_FALSE:
		ps->p++;
		n = new_node(ps, N_LBOOL, t->pos);
		n->bval = t->k == T_TRUE;
		return n;
	case T_LP:
		ps->p++;
		n = parse_or(ps);
		if (!n)
			return NULL;
		if (peek(ps)->k != T_RP)
			return syntax_error(ps, peek(ps)->pos, "expected ')', found %s", tok_desc(peek(ps)));
		ps->p++;
		return n;
	case T_NAME:
		ps->p++;
		if (!t->quoted && !strcmp(t->text, "is_missing") && peek(ps)->k == T_LP) {
			ps->p++;
			struct token *arg = peek(ps);
			if (arg->k != T_NAME)
				return syntax_error(ps, arg->pos, "is_missing takes a column name, found %s",
						    tok_desc(arg));
			ps->p++;
			struct node *c = column_leaf(ps, arg);
			if (!c)
				return NULL;
			if (peek(ps)->k != T_RP)
				return syntax_error(ps, peek(ps)->pos, "expected ')', found %s",
						    tok_desc(peek(ps)));
			ps->p++;
			n = logical_node(ps, N_ISMISSING, t->pos);
			n->col = c->col;
			return n;
		}
		return column_leaf(ps, t);
	default:
		return syntax_error(ps, t->pos, "expected a value, found %s", tok_desc(t));
	}
}

static struct node *parse_unary(struct parser *ps)
{
	if (peek(ps)->k == T_MINUS) {
		size_t pos = peek(ps)->pos;
		ps->p++;
		struct node *a = parse_unary(ps);
		if (!a)
			return NULL;
		if (a->k == N_LNUM) {
			a->num = -a->num;
			a->pos = pos;
			return a;
		}
		if (!as_numeric(ps, a, "arithmetic"))
			return NULL;
		struct node *n = new_node(ps, N_NEG, pos);
		n->a = a;
		n->dbuf = xmallocarray(BLOCK, sizeof(double));
		return n;
	}
	return parse_atom(ps);
}

static double fold(enum tk op, double x, double y)
{
	switch (op) {
	case T_PLUS: return x + y;
	case T_MINUS: return x - y;
	case T_STAR: return x * y;
	default: return x / y;
	}
}

static struct node *arith(struct parser *ps, enum tk op, size_t pos, struct node *a, struct node *b)
{
	if (a->k == N_LNUM && b->k == N_LNUM) {
		a->num = fold(op, a->num, b->num);
		return a;
	}
	if (!as_numeric(ps, a, "arithmetic") || !as_numeric(ps, b, "arithmetic"))
		return NULL;
	struct node *n = new_node(ps, N_ARITH, pos);
	n->op = op;
	n->a = a;
	n->b = b;
	n->dbuf = xmallocarray(BLOCK, sizeof(double));
	return n;
}

static struct node *parse_prod(struct parser *ps)
{
	struct node *a = parse_unary(ps);
	while (a && (peek(ps)->k == T_STAR || peek(ps)->k == T_SLASH)) {
		struct token *t = peek(ps);
		ps->p++;
		struct node *b = parse_unary(ps);
		a = b ? arith(ps, t->k, t->pos, a, b) : NULL;
	}
	return a;
}

static struct node *parse_sum(struct parser *ps)
{
	struct node *a = parse_prod(ps);
	while (a && (peek(ps)->k == T_PLUS || peek(ps)->k == T_MINUS)) {
		struct token *t = peek(ps);
		ps->p++;
		struct node *b = parse_prod(ps);
		a = b ? arith(ps, t->k, t->pos, a, b) : NULL;
	}
	return a;
}

static int holds(enum tk op, int r)
{
	switch (op) {
	case T_EQ: return r == 0;
	case T_NE: return r != 0;
	case T_LT: return r < 0;
	case T_LE: return r <= 0;
	case T_GT: return r > 0;
	default: return r >= 0;
	}
}

static enum tk flip(enum tk op)
{
	switch (op) {
	case T_LT: return T_GT;
	case T_LE: return T_GE;
	case T_GT: return T_LT;
	case T_GE: return T_LE;
	default: return op;
	}
}

static int text_cmp(const char *a, size_t la, const char *b, size_t lb)
{
	int r = memcmp(a, b, la < lb ? la : lb);
	return r ? r : (la > lb) - (la < lb);
}

static int is_leaf_literal(const struct node *n)
{
	return n->k == N_LNUM || n->k == N_LSTR || n->k == N_LBOOL;
}

static struct node *mismatch(struct parser *ps, size_t pos, const struct node *a, const struct node *b)
{
	char da[300], db[300];
	return type_error(ps, pos, "cannot compare %s with %s", node_desc(a, da, sizeof(da)),
			  node_desc(b, db, sizeof(db)));
}

/* A comparison a <op> b, specialised by operand kinds (see the top). */
static struct node *compare(struct parser *ps, enum tk op, size_t pos, struct node *a, struct node *b)
{
	if (is_leaf_literal(a) && !is_leaf_literal(b)) {
		struct node *t = a;
		a = b;
		b = t;
		op = flip(op);
	}
	if (is_logical(a) || is_logical(b))
		return type_error(ps, pos, "cannot compare a condition (use parentheses or 'and')");
	struct node *n;
	if (is_leaf_literal(a)) { /* both literals: fold */
		int r;
		if (a->k == N_LNUM && b->k == N_LNUM)
			r = (a->num > b->num) - (a->num < b->num);
		else if (a->k == N_LSTR && b->k == N_LSTR)
			r = text_cmp(a->str, a->slen, b->str, b->slen);
		else if (a->k == N_LBOOL && b->k == N_LBOOL && (op == T_EQ || op == T_NE))
			r = a->bval != b->bval;
		else
			return mismatch(ps, pos, a, b);
		n = new_node(ps, N_LOGCONST, pos);
		fill_logconst(n, holds(op, r));
		return n;
	}
	if (a->k == N_COL) {
		const struct column *c = a->col;
		switch (c->kind) {
		case COL_INT:
			if (b->k == N_LNUM && b->num == floor(b->num) && fabs(b->num) < 9.2e18) {
				n = logical_node(ps, N_CMP_I64, pos);
				n->col = c;
				n->op = op;
				n->i64 = (int64_t)b->num;
				return n;
			}
			if (b->k == N_COL && b->col->kind == COL_INT) {
				n = logical_node(ps, N_CMP_I64COLS, pos);
				n->col = c;
				n->col2 = b->col;
				n->op = op;
				return n;
			}
			break; /* to the numeric comparison */
		case COL_NUM:
			break;
		case COL_TIME:
			if (b->k == N_LSTR) {
				n = logical_node(ps, N_CMP_I64, pos);
				n->col = c;
				n->op = op;
				if (parse_time(b->str, b->slen, &n->i64) < 0)
					return type_error(ps, b->pos, "cannot read '%s' as a time (want YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS)",
							  b->str);
				return n;
			}
			if (b->k == N_COL && b->col->kind == COL_TIME) {
				n = logical_node(ps, N_CMP_I64COLS, pos);
				n->col = c;
				n->col2 = b->col;
				n->op = op;
				return n;
			}
			return mismatch(ps, pos, a, b);
		case COL_CAT:
			if (b->k == N_LSTR) {
				/* Decide each level once; rows then cost one lookup. */
				n = logical_node(ps, N_LEVELS, pos);
				n->col = c;
				n->table = xmalloc((size_t)c->nlevels + 1);
				for (int32_t l = 0; l < c->nlevels; l++)
					n->table[l] = (uint8_t)holds(op, text_cmp(c->levels[l], strlen(c->levels[l]),
										  b->str, b->slen));
				return n;
			}
			/* fall through */
			/* a cat column against a text column */
		case COL_STR:
			if (b->k == N_LSTR && c->kind == COL_STR) {
				n = logical_node(ps, N_CMP_STR, pos);
				n->col = c;
				n->op = op;
				n->str = b->str;
				n->slen = b->slen;
				return n;
			}
			if (b->k == N_COL && (b->col->kind == COL_CAT || b->col->kind == COL_STR)) {
				n = logical_node(ps, N_CMP_TEXT, pos);
				n->col = c;
				n->col2 = b->col;
				n->op = op;
				return n;
			}
			return mismatch(ps, pos, a, b);
		case COL_BOOL:
			if ((b->k == N_LBOOL || (b->k == N_COL && b->col->kind == COL_BOOL)) &&
			    op != T_EQ && op != T_NE)
				return type_error(ps, pos, "cannot order bool column '%s' (use == or !=)", a->name);
			if (b->k == N_LBOOL) {
				n = logical_node(ps, N_CMP_BOOL, pos);
				n->col = c;
				n->op = op;
				n->bval = b->bval;
				return n;
			}
			if (b->k == N_COL && b->col->kind == COL_BOOL) {
				n = logical_node(ps, N_CMP_BOOLCOLS, pos);
				n->col = c;
				n->col2 = b->col;
				n->op = op;
				return n;
			}
			return mismatch(ps, pos, a, b);
		}
	}
	/* Numbers on both sides. */
	if (!(a->k == N_LNUM || col_is_num(a) || is_numeric(a)) ||
	    !(b->k == N_LNUM || col_is_num(b) || is_numeric(b)))
		return mismatch(ps, pos, a, b);
	as_numeric(ps, a, "a comparison");
	as_numeric(ps, b, "a comparison");
	n = logical_node(ps, N_CMP_NUM, pos);
	n->op = op;
	n->a = a;
	n->b = b;
	return n;
}

/* a [not] in (lit, ...) */
static struct node *parse_in(struct parser *ps, struct node *a, int neg, size_t pos)
{
	char d[300];
	if (peek(ps)->k != T_LP)
		return syntax_error(ps, peek(ps)->pos, "expected '(' after 'in', found %s", tok_desc(peek(ps)));
	ps->p++;
	struct node *n = logical_node(ps, N_IN_NUM, pos);
	n->neg = neg;
	int have_num = 0, have_str = 0;
	size_t cap = 0;
	while (peek(ps)->k != T_RP) {
		if (n->nnums + n->nstrs > 0) {
			if (peek(ps)->k != T_COMMA)
				return syntax_error(ps, peek(ps)->pos, "expected ',' or ')', found %s",
						    tok_desc(peek(ps)));
			ps->p++;
		}
		struct token *t = peek(ps);
		int minus = 0;
		if (t->k == T_MINUS && ps->toks[ps->p + 1].k == T_NUM) {
			minus = 1;
			ps->p++;
			t = peek(ps);
		}
		if (t->k != T_NUM && t->k != T_STR)
			return syntax_error(ps, t->pos, "expected a number or a string in the list, found %s",
					    tok_desc(t));
		ps->p++;
		if (n->nnums + n->nstrs == cap) {
			cap = cap ? cap * 2 : 8;
			n->nums = xreallocarray(n->nums, cap, sizeof(double));
			n->strs = xreallocarray(n->strs, cap, sizeof(char *));
			n->slens = xreallocarray(n->slens, cap, sizeof(size_t));
		}
		if (t->k == T_NUM) {
			have_num = 1;
			n->nums[n->nnums++] = minus ? -t->num : t->num;
		} else {
			have_str = 1;
			n->strs[n->nstrs] = t->text;
			n->slens[n->nstrs++] = t->tlen;
		}
	}
	ps->p++;
	if (have_num && have_str)
		return type_error(ps, pos, "the list of 'in' mixes numbers and strings");
	enum col_kind kind = a->k == N_COL ? a->col->kind : COL_NUM;
	if (a->k == N_COL && kind == COL_CAT && !have_num) {
		n->k = N_LEVELS;
		n->col = a->col;
		n->table = xcalloc((size_t)a->col->nlevels + 1, 1);
		for (size_t s = 0; s < n->nstrs; s++) {
			int32_t l = column_level_index(a->col, n->strs[s], n->slens[s]);
			if (l >= 0)
				n->table[l] = 1;
		}
		if (neg)
			for (int32_t l = 0; l < a->col->nlevels; l++)
				n->table[l] = !n->table[l];
		return n;
	}
	if (a->k == N_COL && kind == COL_STR && !have_num) {
		n->k = N_IN_STR;
		n->col = a->col;
		return n;
	}
	if (a->k == N_COL && kind == COL_TIME && !have_num) {
		/* Times as doubles: exact for any date within ±285 years of 1970. */
		for (size_t s = 0; s < n->nstrs; s++) {
			int64_t us;
			if (parse_time(n->strs[s], n->slens[s], &us) < 0)
				return type_error(ps, pos, "cannot read '%s' as a time", n->strs[s]);
			if (n->nnums == cap) {
				cap = cap ? cap * 2 : 8;
				n->nums = xreallocarray(n->nums, cap, sizeof(double));
			}
			n->nums[n->nnums++] = (double)us;
		}
		n->nstrs = 0;
		a->k = N_NUMCOL;
		a->dbuf = xmallocarray(BLOCK, sizeof(double));
		n->a = a;
		return n;
	}
	if ((a->k == N_LNUM || col_is_num(a) || is_numeric(a)) && !have_str) {
		n->a = as_numeric(ps, a, "'in'");
		return n;
	}
	return type_error(ps, pos, "cannot test %s against a list of %s", node_desc(a, d, sizeof(d)),
			  have_num ? "numbers" : "strings");
}

static struct node *parse_cmp(struct parser *ps)
{
	struct node *a = parse_sum(ps);
	if (!a)
		return NULL;
	struct token *t = peek(ps);
	switch (t->k) {
	case T_EQ: case T_NE: case T_LT: case T_LE: case T_GT: case T_GE: {
		ps->p++;
		struct node *b = parse_sum(ps);
		if (!b)
			return NULL;
		struct node *n = compare(ps, t->k, t->pos, a, b);
		if (n) {
			enum tk k = peek(ps)->k;
			if (k >= T_EQ && k <= T_GE)
				return syntax_error(ps, peek(ps)->pos, "comparisons cannot be chained (use 'and')");
		}
		return n;
	}
	case T_IN:
		ps->p++;
		return parse_in(ps, a, 0, t->pos);
	case T_NOT:
		if (ps->toks[ps->p + 1].k == T_IN) {
			ps->p += 2;
			return parse_in(ps, a, 1, t->pos);
		}
		return a;
	default:
		return a;
	}
}

static struct node *parse_not(struct parser *ps)
{
	if (peek(ps)->k == T_NOT) {
		size_t pos = peek(ps)->pos;
		ps->p++;
		struct node *a = parse_not(ps);
		if (!a || !as_logical(ps, a))
			return NULL;
		struct node *n = logical_node(ps, N_NOT, pos);
		n->a = a;
		return n;
	}
	return parse_cmp(ps);
}

static struct node *parse_and(struct parser *ps)
{
	struct node *a = parse_not(ps);
	while (a && peek(ps)->k == T_AND) {
		size_t pos = peek(ps)->pos;
		ps->p++;
		struct node *b = parse_not(ps);
		if (!b || !as_logical(ps, a) || !as_logical(ps, b))
			return NULL;
		struct node *n = logical_node(ps, N_AND, pos);
		n->a = a;
		n->b = b;
		a = n;
	}
	return a;
}

static struct node *parse_or(struct parser *ps)
{
	struct node *a = parse_and(ps);
	while (a && peek(ps)->k == T_OR) {
		size_t pos = peek(ps)->pos;
		ps->p++;
		struct node *b = parse_and(ps);
		if (!b || !as_logical(ps, a) || !as_logical(ps, b))
			return NULL;
		struct node *n = logical_node(ps, N_OR, pos);
		n->a = a;
		n->b = b;
		a = n;
	}
	return a;
}

void expr_free(struct expr *e)
{
	if (!e)
		return;
	for (struct node *n = e->all, *next; n; n = next) {
		next = n->next;
		free(n->table);
		free(n->nums);
		free(n->strs); /* the strings themselves are e->texts */
		free(n->slens);
		free(n->dbuf);
		free(n->mbuf);
		free(n);
	}
	for (size_t i = 0; i < e->ntexts; i++)
		free(e->texts[i]);
	free(e->texts);
	free(e);
}

struct expr *expr_compile(const struct frame *f, const char *src, const char *who,
			  struct wb_err *err)
{
	struct parser ps = { .f = f, .src = src, .who = who, .err = err };
	struct expr *e = xcalloc(1, sizeof(*e));
	e->f = f;
	ps.e = e;
	struct node *root = NULL;
	if (lex(&ps) == 0) {
		if (peek(&ps)->k == T_END) {
			syntax_error(&ps, 0, "empty condition");
		} else {
			root = parse_or(&ps);
			if (root && peek(&ps)->k != T_END) {
				syntax_error(&ps, peek(&ps)->pos, "expected end of condition, found %s", tok_desc(peek(&ps)));
				root = NULL;
			}
			if (root && !as_logical(&ps, root))
				root = NULL;
		}
	}
	/* Nodes point into the token texts (literals, in-lists), so the expr
	 * keeps them all; the token array itself can go. */
	e->texts = xmallocarray(ps.ntok + 1, sizeof(char *));
	for (size_t i = 0; i < ps.ntok; i++)
		if (ps.toks[i].text)
			e->texts[e->ntexts++] = ps.toks[i].text;
	free(ps.toks);
	if (!root) {
		expr_free(e);
		return NULL;
	}
	e->root = root;
	return e;
}

/* ---- evaluation ---- */

static void eval(struct node *n, size_t s, size_t len);

/* Comparison of two double blocks; NaN (missing) fails every operator. */
static void cmp_num(enum tk op, const double *x, const double *y, uint8_t *m, size_t len)
{
	switch (op) {
	case T_EQ: for (size_t i = 0; i < len; i++) m[i] = x[i] == y[i]; break;
	case T_NE: for (size_t i = 0; i < len; i++) m[i] = x[i] != y[i] && x[i] == x[i] && y[i] == y[i]; break;
	case T_LT: for (size_t i = 0; i < len; i++) m[i] = x[i] < y[i]; break;
	case T_LE: for (size_t i = 0; i < len; i++) m[i] = x[i] <= y[i]; break;
	case T_GT: for (size_t i = 0; i < len; i++) m[i] = x[i] > y[i]; break;
	default: for (size_t i = 0; i < len; i++) m[i] = x[i] >= y[i]; break;
	}
}

static void cmp_i64(enum tk op, const int64_t *x, int64_t y, uint8_t *m, size_t len)
{
	switch (op) {
	case T_EQ: for (size_t i = 0; i < len; i++) m[i] = x[i] == y; break;
	case T_NE: for (size_t i = 0; i < len; i++) m[i] = x[i] != y; break;
	case T_LT: for (size_t i = 0; i < len; i++) m[i] = x[i] < y; break;
	case T_LE: for (size_t i = 0; i < len; i++) m[i] = x[i] <= y; break;
	case T_GT: for (size_t i = 0; i < len; i++) m[i] = x[i] > y; break;
	default: for (size_t i = 0; i < len; i++) m[i] = x[i] >= y; break;
	}
}

static void and_valid(const uint8_t *valid, uint8_t *m, size_t len)
{
	if (valid)
		for (size_t i = 0; i < len; i++)
			m[i] &= valid[i];
}

static const char *cell_text(const struct column *c, size_t i, size_t *len)
{
	if (c->kind == COL_STR) {
		*len = c->offs[i + 1] - c->offs[i] - 1;
		return c->bytes + c->offs[i];
	}
	return column_get_text(c, i, len);
}

static void eval(struct node *n, size_t s, size_t len)
{
	const struct column *c = n->col;
	uint8_t *m = n->mbuf;
	double *d = n->dbuf;

	switch (n->k) {
	case N_LNUM: case N_LSTR: case N_LBOOL: case N_COL:
		WB_BUG("unresolved expression leaf");
	case N_NUMCONST:
	case N_LOGCONST:
		break;
	case N_NUMCOL:
		if (c->kind == COL_NUM) {
			memcpy(d, c->num + s, len * sizeof(double));
		} else {
			for (size_t i = 0; i < len; i++)
				d[i] = (double)c->i64[s + i];
			if (c->valid)
				for (size_t i = 0; i < len; i++)
					if (!c->valid[s + i])
						d[i] = NAN;
		}
		break;
	case N_ARITH: {
		eval(n->a, s, len);
		eval(n->b, s, len);
		const double *x = n->a->dbuf, *y = n->b->dbuf;
		switch (n->op) {
		case T_PLUS: for (size_t i = 0; i < len; i++) d[i] = x[i] + y[i]; break;
		case T_MINUS: for (size_t i = 0; i < len; i++) d[i] = x[i] - y[i]; break;
		case T_STAR: for (size_t i = 0; i < len; i++) d[i] = x[i] * y[i]; break;
		default: for (size_t i = 0; i < len; i++) d[i] = x[i] / y[i]; break;
		}
		break;
	}
	case N_NEG:
		eval(n->a, s, len);
		for (size_t i = 0; i < len; i++)
			d[i] = -n->a->dbuf[i];
		break;
	case N_AND: {
		eval(n->a, s, len);
		const uint8_t *x = n->a->mbuf;
		size_t any = 0;
		for (size_t i = 0; i < len; i++)
			any |= x[i];
		if (!any) { /* skip the right side when nothing can pass */
			memset(m, 0, len);
			break;
		}
		eval(n->b, s, len);
		for (size_t i = 0; i < len; i++)
			m[i] = x[i] & n->b->mbuf[i];
		break;
	}
	case N_OR: {
		eval(n->a, s, len);
		const uint8_t *x = n->a->mbuf;
		uint8_t all = 1;
		for (size_t i = 0; i < len; i++)
			all &= x[i];
		if (all) {
			memset(m, 1, len);
			break;
		}
		eval(n->b, s, len);
		for (size_t i = 0; i < len; i++)
			m[i] = x[i] | n->b->mbuf[i];
		break;
	}
	case N_NOT:
		eval(n->a, s, len);
		for (size_t i = 0; i < len; i++)
			m[i] = !n->a->mbuf[i];
		break;
	case N_ISMISSING:
		switch (c->kind) {
		case COL_NUM: for (size_t i = 0; i < len; i++) m[i] = isnan(c->num[s + i]); break;
		case COL_BOOL: for (size_t i = 0; i < len; i++) m[i] = c->b[s + i] < 0; break;
		case COL_CAT: for (size_t i = 0; i < len; i++) m[i] = c->codes[s + i] < 0; break;
		default:
			if (c->valid)
				for (size_t i = 0; i < len; i++)
					m[i] = !c->valid[s + i];
			else
				memset(m, 0, len);
		}
		break;
	case N_BOOLCOL:
		for (size_t i = 0; i < len; i++)
			m[i] = c->b[s + i] == 1;
		break;
	case N_CMP_NUM:
		eval(n->a, s, len);
		eval(n->b, s, len);
		cmp_num(n->op, n->a->dbuf, n->b->dbuf, m, len);
		break;
	case N_CMP_I64:
		cmp_i64(n->op, c->i64 + s, n->i64, m, len);
		and_valid(c->valid ? c->valid + s : NULL, m, len);
		break;
	case N_CMP_I64COLS: {
		const int64_t *x = c->i64 + s, *y = n->col2->i64 + s;
		for (size_t i = 0; i < len; i++)
			m[i] = (uint8_t)holds(n->op, (x[i] > y[i]) - (x[i] < y[i]));
		and_valid(c->valid ? c->valid + s : NULL, m, len);
		and_valid(n->col2->valid ? n->col2->valid + s : NULL, m, len);
		break;
	}
	case N_LEVELS: {
		const int32_t *codes = c->codes + s;
		for (size_t i = 0; i < len; i++)
			m[i] = codes[i] >= 0 && n->table[codes[i]];
		break;
	}
	case N_CMP_STR:
		for (size_t i = 0; i < len; i++) {
			size_t l;
			const char *t = cell_text(c, s + i, &l);
			m[i] = (uint8_t)holds(n->op, text_cmp(t, l, n->str, n->slen));
		}
		and_valid(c->valid ? c->valid + s : NULL, m, len);
		break;
	case N_IN_STR:
		for (size_t i = 0; i < len; i++) {
			size_t l;
			const char *t = cell_text(c, s + i, &l);
			int found = 0;
			for (size_t k = 0; k < n->nstrs && !found; k++)
				found = n->slens[k] == l && !memcmp(n->strs[k], t, l);
			m[i] = (uint8_t)(found != n->neg);
		}
		and_valid(c->valid ? c->valid + s : NULL, m, len);
		break;
	case N_IN_NUM: {
		eval(n->a, s, len);
		const double *x = n->a->dbuf;
		for (size_t i = 0; i < len; i++) {
			int found = 0;
			for (size_t k = 0; k < n->nnums && !found; k++)
				found = x[i] == n->nums[k];
			m[i] = !isnan(x[i]) && found != n->neg;
		}
		break;
	}
	case N_CMP_BOOL: {
		const int8_t *b = c->b + s;
		int8_t want = (int8_t)n->bval;
		for (size_t i = 0; i < len; i++)
			m[i] = b[i] >= 0 && ((b[i] == want) == (n->op == T_EQ));
		break;
	}
	case N_CMP_BOOLCOLS: {
		const int8_t *x = c->b + s, *y = n->col2->b + s;
		for (size_t i = 0; i < len; i++)
			m[i] = x[i] >= 0 && y[i] >= 0 && ((x[i] == y[i]) == (n->op == T_EQ));
		break;
	}
	case N_CMP_TEXT:
		for (size_t i = 0; i < len; i++) {
			size_t la, lb;
			const char *ta = column_get_text(c, s + i, &la);
			const char *tb = column_get_text(n->col2, s + i, &lb);
			m[i] = ta && tb && holds(n->op, text_cmp(ta, la, tb, lb));
		}
		break;
	}
}

void expr_eval(struct expr *e, uint8_t *mask)
{
	size_t nrow = e->f->nrow;
	for (size_t s = 0; s < nrow; s += BLOCK) {
		size_t len = nrow - s < BLOCK ? nrow - s : BLOCK;
		eval(e->root, s, len);
		memcpy(mask + s, e->root->mbuf, len);
	}
}
