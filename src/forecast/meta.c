/* meta.c - a forecaster's encoding in its model file (forecast.* metadata),
 * so that a saved model forecasts with exactly the window, transforms and
 * scaling it was trained with. Read strictly: the file is untrusted. */
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "io/safetensors.h"
#include "forecast/encoding.h"
#include "nn/model_io.h"

static int set_int(recur_model *m, const char *key, long v)
{
    char buf[32];
    snprintf(buf, sizeof buf, "%ld", v);
    return recur_model_set_meta(m, key, buf);
}

/* The double exactly, with '.' whatever the locale (a scaler must invert
 * what it applied). */
static int set_exact(recur_model *m, const char *key, double v)
{
    char buf[ST_META_NUM];
    return recur_model_set_meta(m, key, recur__st_meta_real_exact(buf, v));
}

int recur_forecast_write_meta(recur_model *m, const recur_forecast_encoding *e)
{
    int rc = recur__forecast_check(e, "recur_forecast_write_meta");
    if (rc)
        return rc;
    if (!m)
        return recur__fail(RECUR_E_INVALID, "recur_forecast_write_meta: no model");
    if (!rc) rc = set_int(m, "forecast.window", e->window);
    if (!rc) rc = set_int(m, "forecast.season", e->season);
    if (!rc) rc = set_int(m, "forecast.season_input", e->season_input);
    if (!rc) rc = set_int(m, "forecast.log", e->log);
    if (!rc) rc = set_int(m, "forecast.diff", e->diff);
    if (!rc) rc = recur_model_set_meta(m, "forecast.scale", recur_scale_name(e->scaler.kind));
    if (!rc) rc = set_exact(m, "forecast.scale_offset", e->scaler.offset);
    if (!rc) rc = set_exact(m, "forecast.scale_factor", e->scaler.scale);
    /* only es models carry es keys: other files stay as they were */
    if (!rc && e->es) rc = set_int(m, "forecast.es", 1);
    if (!rc && e->es) rc = set_exact(m, "forecast.es_alpha", e->es_alpha);
    if (!rc && e->es) rc = set_exact(m, "forecast.es_gamma", e->es_gamma);
    return rc;
}

static int missing(const char *key)
{
    return recur__fail(RECUR_E_INVALID, "not a forecasting model (its metadata has no '%s'; "
                      "train one with 'recur forecast train')", key);
}

static int meta_int(const recur_model *m, const char *key, long lo, long hi, int *out)
{
    const char *v = recur_model_get_meta(m, key);
    long x;
    if (!v)
        return missing(key);
    if (recur__parse_long(v, lo, hi, &x))
        return recur__fail(RECUR_E_FORMAT, "metadata '%s' = '%.40s' is not an integer in "
                          "%ld..%ld", key, v, lo, hi);
    *out = (int)x;
    return RECUR_OK;
}

static int meta_double(const recur_model *m, const char *key, double *out)
{
    const char *v = recur_model_get_meta(m, key);
    if (!v)
        return missing(key);
    if (recur__parse_double(v, out))
        return recur__fail(RECUR_E_FORMAT, "metadata '%s' = '%.40s' is not a finite number",
                          key, v);
    return RECUR_OK;
}

int recur_forecast_read_meta(const recur_model *m, recur_forecast_encoding *e)
{
    if (!m || !e)
        return recur__fail(RECUR_E_INVALID, "recur_forecast_read_meta: no model or no "
                          "encoding");
    recur_forecast_encoding r;
    memset(&r, 0, sizeof r);
    int rc;
    if ((rc = meta_int(m, "forecast.window", 1, RECUR_FORECAST_MAX_WINDOW, &r.window)) ||
        (rc = meta_int(m, "forecast.season", 1, RECUR_FORECAST_MAX_SEASON, &r.season)) ||
        (rc = meta_int(m, "forecast.season_input", 0, 1, &r.season_input)) ||
        (rc = meta_int(m, "forecast.log", 0, 1, &r.log)) ||
        (rc = meta_int(m, "forecast.diff", 0, RECUR_FORECAST_MAX_DIFF, &r.diff)) ||
        (rc = meta_double(m, "forecast.scale_offset", &r.scaler.offset)) ||
        (rc = meta_double(m, "forecast.scale_factor", &r.scaler.scale)))
        return rc;
    /* es is optional (absent: 0, the files written before it); with it,
     * both constants are required, in range, and diff must be 0 */
    if (recur_model_get_meta(m, "forecast.es") &&
        ((rc = meta_int(m, "forecast.es", 0, 1, &r.es)) ||
         (r.es && ((rc = meta_double(m, "forecast.es_alpha", &r.es_alpha)) ||
                   (rc = meta_double(m, "forecast.es_gamma", &r.es_gamma))))))
        return rc;
    if (r.es && (r.diff || !(r.es_alpha > 0 && r.es_alpha <= 1) ||
                 !(r.es_gamma >= 0 && r.es_gamma <= 1)))
        return recur__fail(RECUR_E_FORMAT, "metadata 'forecast.es_alpha' = %g and "
                          "'forecast.es_gamma' = %g must be in (0, 1] and [0, 1], with "
                          "'forecast.diff' 0", r.es_alpha, r.es_gamma);
    const char *kind = recur_model_get_meta(m, "forecast.scale");
    int k = recur_scale_parse(kind);
    if (k < 0)
        return recur__fail(kind ? RECUR_E_FORMAT : RECUR_E_INVALID, "metadata "
                          "'forecast.scale' = '%.40s' is not minmax, zscore or none",
                          kind ? kind : "");
    if (!(r.scaler.scale > 0))
        return recur__fail(RECUR_E_FORMAT, "metadata 'forecast.scale_factor' must be > 0");
    r.scaler.kind = (recur_scale_kind)k;
    const recur_config *c = recur_model_get_config(m);
    if (c->input != RECUR_INPUT_DENSE || c->input_size != recur_forecast_features(&r) ||
        c->output_size != 1 || c->readout == RECUR_READOUT_MEAN || c->bidirectional ||
        c->reverse)
        return recur__fail(RECUR_E_MISMATCH, "the network does not match its forecasting "
                          "settings (it needs forward layers over dense input of %d, readout "
                          "last or sequence and one output)", recur_forecast_features(&r));
    *e = r;
    return RECUR_OK;
}
