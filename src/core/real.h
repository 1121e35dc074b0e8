/* real.h - the scalar type of the numeric core.
 *
 * The library is built with real = float. The gradient-check tests build the
 * same sources a second time with -DRECUR_REAL_DOUBLE so that finite
 * differences are taken in double precision. Nothing outside src/ sees real. */
#ifndef RECUR_REAL_H
#define RECUR_REAL_H

#ifdef RECUR_REAL_DOUBLE
typedef double real;
#define REAL_EPSILON 2.220446049250313e-16
#else
typedef float real;
#define REAL_EPSILON 1.1920929e-07f
#endif

#endif
