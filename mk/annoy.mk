# mk/annoy.mk: the annoy (tree) index access method.

OBJS += src/annoy.o src/annoyutils.o src/annoybuild.o src/annoyinsert.o \
	src/annoyscan.o src/annoyvacuum.o src/annoycheck.o

REGRESS += annoy annoy_bit
