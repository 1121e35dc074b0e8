/* onnx.h - internal parts shared by the ONNX importer and exporter. */
#ifndef RECUR_ONNX_H
#define RECUR_ONNX_H

#include "recur.h"

/* The opset and IR version recur writes. */
#define RECUR_ONNX_OPSET 14
#define RECUR_ONNX_IR_VERSION 7

#endif
