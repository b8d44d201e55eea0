/*-------------------------------------------------------------------------
 * pushdown.c
 *	  Turning PostgreSQL quals on a lake table into a scan predicate
 *	  (scan/predicate.h) that skips partitions, files, row groups, pages
 *	  and bloom-filtered row groups.
 *
 * Planning picks the clauses that can be pushed (LakePushableClause);
 * they travel in the plan's fdw_exprs, where setrefs and nestloop
 * parameter replacement treat them like any qual.  At executor start
 * (LakePushdownInit) every value side of a pushed comparison gets an
 * ExprState; LakePushdownEval evaluates them — Consts, stable expressions
 * such as now() - interval '1 hour', PARAM_EXTERN of generic plans, and
 * PARAM_EXEC of nested-loop joins, again on every rescan — and builds the
 * predicate.  Every qual is still evaluated on every row returned, by
 * PostgreSQL or by the scan's filter (LakeFilterClauses: the leading quals
 * without volatile functions, evaluated with PostgreSQL's expression
 * machinery): the predicate only skips data that cannot match.
 *
 * Pushed: col op value with op =, <>, <, <=, >, >= of the column type's
 * default btree operator family (BETWEEN arrives as two of them), col =
 * ANY(array) and IN, IS [NOT] NULL, boolean columns, AND/OR, and
 * col LIKE 'prefix%'.  Where byte order and the operator disagree nothing
 * is pushed: text ranges need a C/POSIX collation (equality a
 * deterministic one), floats push only =, <, <= (NaN is no statistics
 * bound and sorts above every number), char(n), json and jsonb nothing.
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/stratnum.h"
#include "access/sysattr.h"
#include "catalog/pg_am.h"
#include "catalog/pg_collation.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_type.h"
#include "commands/defrem.h"
#include "executor/executor.h"
#include "fdw/pushdown.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "optimizer/clauses.h"
#include "optimizer/optimizer.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/datum.h"
#include "utils/float.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/pg_locale.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"
#include "utils/uuid.h"

bool		lake_enable_pruning = true;
bool		lake_enable_scan_filter = true;

/* value classes: a constant of the column's class converts to its type */
typedef enum TypeClass
{
	TC_NONE,
	TC_BOOL,
	TC_INT,
	TC_FLOAT,
	TC_NUMERIC,
	TC_TEXT,
	TC_BYTEA,
	TC_DATE,
	TC_TIMESTAMP,
	TC_TIMESTAMPTZ,
	TC_UUID
} TypeClass;

static TypeClass
type_class(Oid typid)
{
	switch (typid)
	{
		case BOOLOID:
			return TC_BOOL;
		case INT2OID:
		case INT4OID:
		case INT8OID:
			return TC_INT;
		case FLOAT4OID:
		case FLOAT8OID:
			return TC_FLOAT;
		case NUMERICOID:
			return TC_NUMERIC;
		case TEXTOID:
		case VARCHAROID:
			return TC_TEXT;
		case BYTEAOID:
			return TC_BYTEA;
		case DATEOID:
			return TC_DATE;
		case TIMESTAMPOID:
			return TC_TIMESTAMP;
		case TIMESTAMPTZOID:
			return TC_TIMESTAMPTZ;
		case UUIDOID:
			return TC_UUID;
		default:
			return TC_NONE;
	}
}

/* A column reference of the scanned relation, under binary relabelings. */
static Var *
column_var(Node *n, Index relid)
{
	while (n && IsA(n, RelabelType))
		n = (Node *) ((RelabelType *) n)->arg;
	if (n && IsA(n, Var))
	{
		Var		   *v = (Var *) n;

		if (v->varno == relid && v->varattno > 0 && v->varlevelsup == 0)
			return v;
	}
	return NULL;
}

/* May this expression be evaluated once per scan (or rescan)? */
static bool
is_scan_constant(Node *n, Index relid)
{
	if (n == NULL)
		return false;
	if (contain_volatile_functions(n) || contain_subplans(n) ||
		contain_agg_clause(n) || contain_window_function(n))
		return false;
	/* Vars of other relations become nestloop parameters */
	return !bms_is_member(relid, pull_varnos(NULL, n));
}

static LakePredOp
strategy_op(int strategy, bool commuted)
{
	switch (strategy)
	{
		case BTLessStrategyNumber:
			return commuted ? LAKE_OP_GT : LAKE_OP_LT;
		case BTLessEqualStrategyNumber:
			return commuted ? LAKE_OP_GE : LAKE_OP_LE;
		case BTGreaterEqualStrategyNumber:
			return commuted ? LAKE_OP_LE : LAKE_OP_GE;
		case BTGreaterStrategyNumber:
			return commuted ? LAKE_OP_LT : LAKE_OP_GT;
		case ROWCOMPARE_NE:
			return LAKE_OP_NE;
		default:
			return LAKE_OP_EQ;
	}
}

/*
 * The comparison an operator makes on a column of type coltype, or false
 * when it cannot be pushed.
 */
static bool
operator_comparison(Oid opno, Oid coltype, Oid valtype, Oid collid, bool commuted,
					LakePredOp *op)
{
	TypeClass	tc = type_class(coltype);
	Oid			family;
	List	   *interps;
	ListCell   *lc;
	int			strategy = 0;

	if (tc == TC_NONE || type_class(valtype) != tc)
		return false;
	/* the default btree opclass's family, from the type cache (no catalog scan) */
	family = lookup_type_cache(coltype, TYPECACHE_BTREE_OPFAMILY)->btree_opf;
	if (!OidIsValid(family))
		return false;
	interps = get_op_btree_interpretation(opno);
	foreach(lc, interps)
	{
		OpBtreeInterpretation *bi = lfirst(lc);

		if (bi->opfamily_id == family)
			strategy = bi->strategy;
	}
	list_free_deep(interps);
	if (strategy == 0)
		return false;
	*op = strategy_op(strategy, commuted);
	if (tc == TC_TEXT)
	{
		if (*op == LAKE_OP_EQ || *op == LAKE_OP_NE)
		{
			if (OidIsValid(collid) && !get_collation_isdeterministic(collid))
				return false;
		}
		else if (!OidIsValid(collid) || !lc_collate_is_c(collid))
			return false;
	}
	if (tc == TC_FLOAT && *op != LAKE_OP_EQ && *op != LAKE_OP_LT && *op != LAKE_OP_LE)
		return false;
	return true;
}

/* ---------------------------------------------------------------------
 * Leaves: one shape for planning and execution
 * ---------------------------------------------------------------------
 */
typedef struct Leaf
{
	LakePredKind kind;
	LakePredOp	op;
	AttrNumber	attno;
	Expr	   *value;			/* NULL for null tests and booleans */
	Oid			valtype;
	bool		boolval;		/* boolean column tests */
	int			valarg;			/* value's position in the clause's args, or -1 */
} Leaf;

static bool
classify_leaf(Node *clause, Index relid, Leaf *out)
{
	Var		   *var;

	memset(out, 0, sizeof(*out));
	out->valarg = -1;
	if (IsA(clause, OpExpr))
	{
		OpExpr	   *op = (OpExpr *) clause;
		Node	   *l,
				   *r;
		bool		commuted = false;

		if (list_length(op->args) != 2)
			return false;
		l = linitial(op->args);
		r = lsecond(op->args);
		var = column_var(l, relid);
		if (var == NULL)
		{
			var = column_var(r, relid);
			r = l;
			commuted = true;
		}
		if (var == NULL || !is_scan_constant(r, relid))
			return false;
		out->attno = var->varattno;
		out->value = (Expr *) r;
		out->valarg = commuted ? 0 : 1;
		out->valtype = exprType(r);
		if (op->opno == OID_TEXT_LIKE_OP)
		{
			if (commuted || type_class(var->vartype) != TC_TEXT ||
				type_class(out->valtype) != TC_TEXT ||
				(OidIsValid(op->inputcollid) &&
				 !get_collation_isdeterministic(op->inputcollid)))
				return false;
			out->kind = LAKE_PRED_PREFIX;
			return true;
		}
		out->kind = LAKE_PRED_CMP;
		return operator_comparison(op->opno, var->vartype, out->valtype,
								   op->inputcollid, commuted, &out->op);
	}
	if (IsA(clause, ScalarArrayOpExpr))
	{
		ScalarArrayOpExpr *sa = (ScalarArrayOpExpr *) clause;
		Node	   *arr = lsecond(sa->args);
		Oid			elemtype;

		var = column_var(linitial(sa->args), relid);
		if (!sa->useOr || var == NULL || !is_scan_constant(arr, relid))
			return false;
		elemtype = get_element_type(exprType(arr));
		if (!OidIsValid(elemtype) ||
			!operator_comparison(sa->opno, var->vartype, elemtype, sa->inputcollid,
								 false, &out->op) ||
			out->op != LAKE_OP_EQ)
			return false;
		out->kind = LAKE_PRED_IN;
		out->attno = var->varattno;
		out->value = (Expr *) arr;
		out->valarg = 1;
		out->valtype = elemtype;
		return true;
	}
	if (IsA(clause, NullTest))
	{
		NullTest   *nt = (NullTest *) clause;

		var = column_var((Node *) nt->arg, relid);
		if (var == NULL || nt->argisrow)
			return false;
		out->kind = nt->nulltesttype == IS_NULL ? LAKE_PRED_IS_NULL : LAKE_PRED_NOT_NULL;
		out->attno = var->varattno;
		return true;
	}
	if (IsA(clause, BoolExpr) && ((BoolExpr *) clause)->boolop == NOT_EXPR)
	{
		var = column_var(linitial(((BoolExpr *) clause)->args), relid);
		if (var == NULL || var->vartype != BOOLOID)
			return false;
		out->kind = LAKE_PRED_CMP;
		out->op = LAKE_OP_EQ;
		out->attno = var->varattno;
		out->boolval = false;
		return true;
	}
	var = column_var(clause, relid);
	if (var && var->vartype == BOOLOID)
	{
		out->kind = LAKE_PRED_CMP;
		out->op = LAKE_OP_EQ;
		out->attno = var->varattno;
		out->boolval = true;
		return true;
	}
	return false;
}

/* Can (part of) the clause be pushed?  AND needs one pushable arm, OR all. */
static bool
pushable(Node *clause, Index relid)
{
	Leaf		leaf;

	if (IsA(clause, RestrictInfo))
		clause = (Node *) ((RestrictInfo *) clause)->clause;
	if (IsA(clause, BoolExpr) && ((BoolExpr *) clause)->boolop != NOT_EXPR)
	{
		BoolExpr   *b = (BoolExpr *) clause;
		ListCell   *lc;

		foreach(lc, b->args)
		{
			bool		ok = pushable(lfirst(lc), relid);

			if (b->boolop == AND_EXPR && ok)
				return true;
			if (b->boolop == OR_EXPR && !ok)
				return false;
		}
		return b->boolop == OR_EXPR;
	}
	return classify_leaf(clause, relid, &leaf);
}

bool
LakePushableClause(Expr *clause, Index relid)
{
	return pushable((Node *) clause, relid);
}

List *
LakePushableClauses(List *restrictinfos, Index relid)
{
	List	   *out = NIL;
	ListCell   *lc;

	foreach(lc, restrictinfos)
	{
		RestrictInfo *ri = lfirst(lc);

		if (!ri->pseudoconstant && pushable((Node *) ri->clause, relid))
			out = lappend(out, ri->clause);
	}
	return out;
}

/* ---------------------------------------------------------------------
 * Quals the scan evaluates on its batches (scan_exec.c)
 * ---------------------------------------------------------------------
 */
static bool
filterable(Expr *clause, Index relid)
{
	Bitmapset  *attrs = NULL;
	int			x = -1;

	if (contain_volatile_functions((Node *) clause) ||
		contain_subplans((Node *) clause))
		return false;
	pull_varattnos((Node *) clause, relid, &attrs);
	while ((x = bms_next_member(attrs, x)) >= 0)
		if (x + FirstLowInvalidHeapAttributeNumber <= 0)
			return false;
	return true;
}

List *
LakeFilterClauses(List *restrictinfos, Index relid, List **rest)
{
	List	   *out = NIL;
	bool		open = lake_enable_scan_filter;
	ListCell   *lc;

	*rest = NIL;
	foreach(lc, restrictinfos)
	{
		RestrictInfo *ri = lfirst(lc);

		if (ri->pseudoconstant)
			continue;
		if (open && filterable(ri->clause, relid))
			out = lappend(out, ri->clause);
		else
		{
			open = false;
			*rest = lappend(*rest, ri->clause);
		}
	}
	return out;
}

/* ---------------------------------------------------------------------
 * Execution: a node per pushed clause, evaluated per (re)scan
 * ---------------------------------------------------------------------
 */
typedef struct PushNode
{
	LakePredKind kind;			/* AND, OR, TRUE or a leaf kind */
	Leaf		leaf;
	int			column;			/* lake column */
	ExprState  *value;			/* or NULL */
	List	   *args;			/* PushNode* of AND / OR */
} PushNode;

struct LakePushdown
{
	List	   *nodes;			/* PushNode*, implicitly ANDed */
	const LakeTypeInfo *types;	/* borrowed, lake columns */
	bool		has_values;		/* anything to evaluate? */
};

/*
 * The plan's classification of its pushed clauses (LakePushdownTemplate):
 * integers in prefix order, per node
 *   AND / OR:  kind, nargs, then the arms
 *   not pushed: LAKE_PRED_TRUE
 *   leaf:      kind, op, attno, valtype, boolval, valarg
 * The clauses themselves stay in fdw_exprs, where setrefs and nestloop
 * parameters rewrite their value sides but not their shape.
 */
#define TEMPLATE_LEAF_INTS 6

static void
template_node(Node *clause, Index relid, List **out)
{
	Leaf		leaf;

	if (IsA(clause, BoolExpr) && ((BoolExpr *) clause)->boolop != NOT_EXPR)
	{
		BoolExpr   *b = (BoolExpr *) clause;
		ListCell   *lc;

		*out = lappend_int(*out, b->boolop == AND_EXPR ? LAKE_PRED_AND : LAKE_PRED_OR);
		*out = lappend_int(*out, list_length(b->args));
		foreach(lc, b->args)
			template_node(lfirst(lc), relid, out);
		return;
	}
	if (!classify_leaf(clause, relid, &leaf))
	{
		*out = lappend_int(*out, LAKE_PRED_TRUE);
		return;
	}
	*out = lappend_int(*out, leaf.kind);
	*out = lappend_int(*out, leaf.op);
	*out = lappend_int(*out, leaf.attno);
	*out = lappend_int(*out, (int) leaf.valtype);
	*out = lappend_int(*out, leaf.boolval);
	*out = lappend_int(*out, leaf.valarg);
}

List *
LakePushdownTemplate(List *clauses, Index relid)
{
	List	   *out = NIL;
	ListCell   *lc;

	foreach(lc, clauses)
		template_node(lfirst(lc), relid, &out);
	return out;
}

/*
 * The leaf the template gives for clause (*pos advanced past it), or
 * false when the template says "not pushed".  A clause whose shape does
 * not fit (never expected) is classified afresh.
 */
static bool
template_leaf(Node *clause, Index relid, const List *tmpl, int *pos, Leaf *out)
{
	int			i = *pos;
	List	   *args = NIL;

	if (list_nth_int(tmpl, i) == LAKE_PRED_TRUE)
	{
		*pos = i + 1;
		return false;
	}
	*pos = i + TEMPLATE_LEAF_INTS;
	memset(out, 0, sizeof(*out));
	out->kind = (LakePredKind) list_nth_int(tmpl, i);
	out->op = (LakePredOp) list_nth_int(tmpl, i + 1);
	out->attno = (AttrNumber) list_nth_int(tmpl, i + 2);
	out->valtype = (Oid) list_nth_int(tmpl, i + 3);
	out->boolval = list_nth_int(tmpl, i + 4) != 0;
	out->valarg = list_nth_int(tmpl, i + 5);
	if (out->valarg < 0)
		return true;
	if (IsA(clause, OpExpr))
		args = ((OpExpr *) clause)->args;
	else if (IsA(clause, ScalarArrayOpExpr))
		args = ((ScalarArrayOpExpr *) clause)->args;
	if (list_length(args) <= out->valarg)
		return classify_leaf(clause, relid, out);
	out->value = (Expr *) list_nth(args, out->valarg);
	return true;
}

/*
 * One pushed clause (or arm) -> PushNode.  root: planning (values known
 * now only); tmpl: the plan's classification, read from *pos, or NIL to
 * classify here.
 */
static PushNode *
init_node(PlannerInfo *root, Node *clause, Index relid, const List *tmpl, int *pos,
		  const int *att_to_lake, int natts, PlanState *ps, bool *has_values)
{
	PushNode   *pn = palloc0(sizeof(PushNode));
	bool		bool_arms;
	bool		classified;

	bool_arms = IsA(clause, BoolExpr) && ((BoolExpr *) clause)->boolop != NOT_EXPR;
	if (tmpl != NIL && bool_arms !=
		(list_nth_int(tmpl, *pos) == LAKE_PRED_AND || list_nth_int(tmpl, *pos) == LAKE_PRED_OR))
		elog(ERROR, "lake_fdw: pushed clause does not match the plan's classification");
	if (bool_arms)
	{
		BoolExpr   *b = (BoolExpr *) clause;
		ListCell   *lc;

		pn->kind = b->boolop == AND_EXPR ? LAKE_PRED_AND : LAKE_PRED_OR;
		if (tmpl != NIL)
		{
			if (list_nth_int(tmpl, *pos + 1) != list_length(b->args))
				elog(ERROR, "lake_fdw: pushed clause does not match the plan's classification");
			*pos += 2;
		}
		foreach(lc, b->args)
			pn->args = lappend(pn->args, init_node(root, lfirst(lc), relid, tmpl, pos,
												   att_to_lake, natts, ps, has_values));
		return pn;
	}
	if (tmpl != NIL)
		classified = template_leaf(clause, relid, tmpl, pos, &pn->leaf);
	else
		classified = classify_leaf(clause, relid, &pn->leaf);
	if (!classified ||
		pn->leaf.attno > natts || att_to_lake[pn->leaf.attno - 1] < 0 ||
		(pn->leaf.value && contain_var_clause((Node *) pn->leaf.value)))
	{
		pn->kind = LAKE_PRED_TRUE;
		return pn;
	}
	pn->kind = pn->leaf.kind;
	pn->column = att_to_lake[pn->leaf.attno - 1];
	if (pn->leaf.value && root)
	{
		/* planning: only values known now (constants, bound parameters) */
		Node	   *est = estimate_expression_value(root, (Node *) pn->leaf.value);

		if (!IsA(est, Const))
		{
			pn->kind = LAKE_PRED_TRUE;
			return pn;
		}
		pn->leaf.value = (Expr *) est;
	}
	if (pn->leaf.value)
	{
		pn->value = ExecInitExpr(pn->leaf.value, ps);
		*has_values = true;
	}
	return pn;
}

LakePushdown *
LakePushdownInit(List *clauses, List *tmpl, Index relid, const int *att_to_lake, int natts,
				 const LakeTypeInfo *types, PlanState *ps)
{
	LakePushdown *pd = palloc0(sizeof(LakePushdown));
	int			pos = 0;
	ListCell   *lc;

	pd->types = types;
	foreach(lc, clauses)
		pd->nodes = lappend(pd->nodes, init_node(NULL, lfirst(lc), relid, tmpl, &pos,
												 att_to_lake, natts, ps, &pd->has_values));
	if (tmpl != NIL && pos != list_length(tmpl))
		elog(ERROR, "lake_fdw: pushed clauses do not match the plan's classification");
	return pd;
}

LakePredicate *
LakePushdownPlanPredicate(PlannerInfo *root, List *clauses, Index relid,
						  const int *att_to_lake, int natts, const LakeTypeInfo *types)
{
	LakePushdown pd;
	ExprContext *econtext = CreateStandaloneExprContext();
	LakePredicate *pred;
	ListCell   *lc;

	memset(&pd, 0, sizeof(pd));
	pd.types = types;
	foreach(lc, clauses)
		pd.nodes = lappend(pd.nodes, init_node(root, lfirst(lc), relid, NIL, NULL,
											   att_to_lake, natts, NULL, &pd.has_values));
	pred = LakePushdownEval(&pd, econtext, CurrentMemoryContext);
	FreeExprContext(econtext, true);
	return pred;
}

/* integer value of an int2/int4/int8 Datum */
static int64
int_datum(Datum d, Oid typid)
{
	if (typid == INT2OID)
		return DatumGetInt16(d);
	if (typid == INT4OID)
		return DatumGetInt32(d);
	return DatumGetInt64(d);
}

/* Fold "column op c" for a constant c outside the column's range. */
static LakePredicate *
fold_out_of_range(LakePredOp op, bool above)
{
	switch (op)
	{
		case LAKE_OP_EQ:
			return LakePredConst(false);
		case LAKE_OP_NE:
			return LakePredConst(true);
		case LAKE_OP_LT:
		case LAKE_OP_LE:
			return LakePredConst(above);
		case LAKE_OP_GT:
		case LAKE_OP_GE:
			return LakePredConst(!above);
	}
	return LakePredConst(true);
}

/*
 * The constant d (of type valtype) as a value of the column's type, or a
 * folded predicate (returned, *v untouched) when it has no exact
 * representation there.  Bytes are copied into CurrentMemoryContext.
 */
static LakePredicate *
convert_value(const LakeTypeInfo *ti, LakePredOp op, Datum d, Oid valtype, PqValue *v)
{
	memset(v, 0, sizeof(*v));
	v->type = ti->pqtype;
	v->precision = ti->precision;
	v->scale = ti->scale;
	switch (type_class(ti->typid))
	{
		case TC_INT:
			{
				int64		x = int_datum(d, valtype);
				int64		lo = ti->typid == INT2OID ? PG_INT16_MIN :
					ti->typid == INT4OID ? PG_INT32_MIN : PG_INT64_MIN;
				int64		hi = ti->typid == INT2OID ? PG_INT16_MAX :
					ti->typid == INT4OID ? PG_INT32_MAX : PG_INT64_MAX;

				if (x < lo || x > hi)
					return fold_out_of_range(op, x > hi);
				if (ti->pqtype == PQ_INT64)
					v->v.i64 = x;
				else
					v->v.i32 = (int32) x;
				return NULL;
			}
		case TC_FLOAT:
			{
				double		x = valtype == FLOAT4OID ? (double) DatumGetFloat4(d)
					: DatumGetFloat8(d);

				if (isnan(x))
					return LakePredConst(true);
				if (ti->pqtype == PQ_DOUBLE)
				{
					v->v.f64 = x;
					return NULL;
				}
				/* float4 column: only values it can hold exactly */
				if (isinf(x) || (double) (float) x != x)
					return LakePredConst(op != LAKE_OP_EQ);
				v->v.f32 = (float) x;
				return NULL;
			}
		case TC_NUMERIC:
			{
				Numeric		num = DatumGetNumeric(d);
				Numeric		rounded;
				Numeric		limit;
				char	   *s;

				if (numeric_is_nan(num) || numeric_is_inf(num))
					return LakePredConst(op == LAKE_OP_NE || numeric_is_nan(num) ||
										 op != LAKE_OP_EQ);
				rounded = DatumGetNumeric(DirectFunctionCall2(numeric_round,
															  NumericGetDatum(num),
															  Int32GetDatum(ti->scale)));
				if (DatumGetInt32(DirectFunctionCall2(numeric_cmp, NumericGetDatum(num),
													  NumericGetDatum(rounded))) != 0)
					return LakePredConst(op != LAKE_OP_EQ);
				s = psprintf("1e%d", ti->precision - ti->scale);
				limit = DatumGetNumeric(DirectFunctionCall3(numeric_in, CStringGetDatum(s),
															ObjectIdGetDatum(InvalidOid),
															Int32GetDatum(-1)));
				if (DatumGetInt32(DirectFunctionCall2(numeric_cmp,
													  DirectFunctionCall1(numeric_abs,
																		  NumericGetDatum(num)),
													  NumericGetDatum(limit))) >= 0)
					return fold_out_of_range(op, DatumGetInt32(DirectFunctionCall2(numeric_cmp,
																				 NumericGetDatum(num),
																				 NumericGetDatum(int64_to_numeric(0)))) > 0);
				LakeDatumToPqValue(ti, NumericGetDatum(num), v);
				return NULL;
			}
		case TC_TIMESTAMP:
		case TC_TIMESTAMPTZ:
			{
				Timestamp	t = DatumGetTimestamp(d);

				/* beyond what Parquet's microseconds since 1970 hold */
				if (!TIMESTAMP_NOT_FINITE(t) &&
					t > PG_INT64_MAX - 1 - LAKE_TIMESTAMP_EPOCH_SHIFT)
					return fold_out_of_range(op, true);
				LakeDatumToPqValue(ti, d, v);
				return NULL;
			}
		case TC_TEXT:
		case TC_BYTEA:
			{
				struct varlena *vl = PG_DETOAST_DATUM_PACKED(d);
				size_t		len = VARSIZE_ANY_EXHDR(vl);
				uint8	   *copy = palloc(Max(len, 1));

				memcpy(copy, VARDATA_ANY(vl), len);
				v->v.bytes.ptr = copy;
				v->v.bytes.len = len;
				return NULL;
			}
		case TC_UUID:
			{
				uint8	   *copy = palloc(UUID_LEN);

				memcpy(copy, DatumGetUUIDP(d)->data, UUID_LEN);
				v->v.bytes.ptr = copy;
				v->v.bytes.len = UUID_LEN;
				return NULL;
			}
		default:
			LakeDatumToPqValue(ti, d, v);
			return NULL;
	}
}

/* The literal prefix of a LIKE pattern (backslash escapes), as bytes. */
static LakePredicate *
like_prefix(int column, Datum pattern)
{
	text	   *t = DatumGetTextPP(pattern);
	const char *p = VARDATA_ANY(t);
	int			len = VARSIZE_ANY_EXHDR(t);
	char	   *buf = palloc(len + 1);
	int			n = 0;
	PqValue		v;

	for (int i = 0; i < len; i++)
	{
		if (p[i] == '%' || p[i] == '_')
			break;
		if (p[i] == '\\')
		{
			if (++i >= len)
				break;
		}
		buf[n++] = p[i];
	}
	if (n == 0)
		return LakePredConst(true);
	memset(&v, 0, sizeof(v));
	v.type = PQ_STRING;
	v.v.bytes.ptr = (const uint8 *) buf;
	v.v.bytes.len = n;
	return LakePredLeaf(LAKE_PRED_PREFIX, LAKE_OP_EQ, column, 1, &v);
}

static LakePredicate *
eval_node(LakePushdown *pd, PushNode *pn, ExprContext *econtext)
{
	const LakeTypeInfo *ti;
	Datum		d;
	bool		isnull;
	PqValue		v;
	LakePredicate *folded;
	LakePredicate *leaf;

	switch (pn->kind)
	{
		case LAKE_PRED_TRUE:
			return LakePredConst(true);
		case LAKE_PRED_AND:
		case LAKE_PRED_OR:
			{
				List	   *args = NIL;
				ListCell   *lc;

				foreach(lc, pn->args)
					args = lappend(args, eval_node(pd, lfirst(lc), econtext));
				return pn->kind == LAKE_PRED_AND ? LakePredAnd(args) : LakePredOr(args);
			}
		case LAKE_PRED_IS_NULL:
		case LAKE_PRED_NOT_NULL:
			return LakePredLeaf(pn->kind, LAKE_OP_EQ, pn->column, 0, NULL);
		default:
			break;
	}
	ti = &pd->types[pn->column];
	if (pn->value == NULL)
	{
		/* a boolean column on its own, or under NOT */
		memset(&v, 0, sizeof(v));
		v.type = PQ_BOOL;
		v.v.b = pn->leaf.boolval;
		leaf = LakePredLeaf(LAKE_PRED_CMP, LAKE_OP_EQ, pn->column, 1, &v);
		leaf->bloom = true;
		return leaf;
	}
	d = ExecEvalExpr(pn->value, econtext, &isnull);
	if (isnull)
		return LakePredConst(false);	/* a comparison with NULL is never true */
	if (pn->kind == LAKE_PRED_PREFIX)
		return like_prefix(pn->column, d);
	if (pn->kind == LAKE_PRED_CMP)
	{
		folded = convert_value(ti, pn->leaf.op, d, pn->leaf.valtype, &v);
		if (folded)
			return folded;
		leaf = LakePredLeaf(LAKE_PRED_CMP, pn->leaf.op, pn->column, 1, &v);
		leaf->bloom = pn->leaf.op == LAKE_OP_EQ;
		return leaf;
	}
	/* IN: = ANY(array) */
	{
		ArrayType  *arr = DatumGetArrayTypeP(d);
		int16		elmlen;
		bool		elmbyval;
		char		elmalign;
		Datum	   *elems;
		bool	   *nulls;
		int			nelems;
		PqValue    *vals;
		int			nvals = 0;

		get_typlenbyvalalign(ARR_ELEMTYPE(arr), &elmlen, &elmbyval, &elmalign);
		deconstruct_array(arr, ARR_ELEMTYPE(arr), elmlen, elmbyval, elmalign,
						  &elems, &nulls, &nelems);
		vals = palloc(sizeof(PqValue) * Max(nelems, 1));
		for (int i = 0; i < nelems; i++)
		{
			if (nulls[i])
				continue;
			folded = convert_value(ti, LAKE_OP_EQ, elems[i], pn->leaf.valtype, &vals[nvals]);
			if (folded == NULL)
				nvals++;
			else if (folded->kind == LAKE_PRED_TRUE)
				return folded;
		}
		if (nvals == 0)
			return LakePredConst(false);
		leaf = LakePredLeaf(LAKE_PRED_IN, LAKE_OP_EQ, pn->column, nvals, vals);
		leaf->bloom = true;
		return leaf;
	}
}

LakePredicate *
LakePushdownEval(LakePushdown *pd, ExprContext *econtext, MemoryContext cxt)
{
	MemoryContext old = MemoryContextSwitchTo(cxt);
	List	   *args = NIL;
	ListCell   *lc;
	LakePredicate *pred;

	foreach(lc, pd->nodes)
		args = lappend(args, eval_node(pd, lfirst(lc), econtext));
	pred = LakePredAnd(args);
	MemoryContextSwitchTo(old);
	ResetExprContext(econtext);
	return pred;
}

bool
LakePushdownHasValues(LakePushdown *pd)
{
	return pd->has_values;
}
