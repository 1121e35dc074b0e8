/* dist.h - data-parallel training across processes started by mpirun
 * (build/recur-mpi, made when mpicc is installed): one rank per process,
 * each training on its share of every batch (recur_trainer_set_shard),
 * the gradients summed with MPI_Allreduce before the same update on every
 * rank. Only rank 0 prints, logs and writes checkpoints. The library knows
 * nothing of MPI; this file is the whole of it. In build/recur (no MPI) a
 * run started by mpirun with several processes is refused with one line. */
#ifndef RECUR_CLI_DIST_H
#define RECUR_CLI_DIST_H

#include "recur.h"

/* How many processes mpirun started (its environment; 1 without mpirun),
 * known before MPI starts, in either build. */
int dist_launched_size(void);
/* 0 if `what` may run with the processes mpirun started (one); otherwise
 * one error line (only `recur train`, with --window too, and the train of
 * classify, forecast and seq2seq train over MPI (train_driver.c): several
 * copies of another command would each do all the work and write the same
 * files) and EXIT_USAGE. */
int dist_only_one(const char *what);

/* Join the MPI job if there is one (idempotent; MPI_Finalize at exit).
 * 0, or an exit status after one error line. */
int dist_init(void);
int dist_rank(void);
int dist_size(void);
/* The sum over the ranks for recur_trainer_set_shard and
 * recur_seq2seq_trainer_set_shard (MPI_Allreduce); NULL with one process. */
recur_allreduce_fn dist_sum_function(void);
/* The non-blocking start of a bucket's sum for recur_trainer_set_overlap
 * (MPI_Iallreduce; completed by the next sum); NULL with one process or
 * with RECUR_MPI_OVERLAP=0 in the environment (one sum after backward, to
 * measure what the overlap buys). */
recur_allreduce_begin_fn dist_begin_function(void);
/* This rank wants to stop (time limit, signal): the request travels with
 * the next step's sum, and every rank stops after that same step. With one
 * process, stopping is at once. */
void dist_request_stop(void);
int dist_stop_agreed(void);
/* Seconds this process spent in the sums, and the bytes it summed. */
double dist_sum_seconds(void);
double dist_sum_bytes(void);
/* A rank other than 0 with a failure leaves at once with status code (its
 * error line printed), so that mpirun ends the job rather than rank 0
 * waiting in a sum for ever; with one process or on rank 0, returns. */
void dist_fail(int code);

#endif
