# mk/plan.mk: the plans the access methods' cost estimates make PostgreSQL
# choose, across methods (the estimates' shared part is amcommon.c, built
# by mk/am.mk).

# filtered ORDER BY ... LIMIT at 0.1 to 50 % (hnsw, ivfflat, flat), and a
# prepared statement's plans
REGRESS += filter_cost
