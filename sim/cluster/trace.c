/* trace: the names of the trace interface's enumerations (see trace.h). */
#include "sim/cluster/trace.h"

const char *outcome_name(enum outcome o)
{
    static const char *const names[] = {
#define X(sym, name) name,
        OUTCOME_LIST(X)
#undef X
    };
    return (unsigned)o < OUTCOME_COUNT ? names[o] : "?";
}
