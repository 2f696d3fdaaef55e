/* catalog._canon: RFC 8785 (JCS) bytes of plain JSON objects, in one pass, or None.
 *
 * canonical(data) parses `data` (RFC 8259) and writes it back with every object's members
 * sorted and no whitespace: for the documents it accepts, exactly `rfc8785.dumps(json.loads(
 * data))`. It accepts only what needs no decision beyond copying tokens, and declines (returns
 * None) everything else, which the Python tiers then decide and word:
 *
 *   - anything but one JSON object (optionally surrounded by JSON whitespace), a BOM included;
 *   - a backslash anywhere: an escape would have to be decoded and re-encoded;
 *   - in a string, a raw control character (invalid JSON) or bytes that are not strict UTF-8
 *     (overlong forms, surrogates, beyond U+10FFFF, truncated sequences);
 *   - a key with a byte >= 0x80: JCS sorts by UTF-16 code units, which for ASCII keys is the
 *     byte order compared here;
 *   - a number that is not an integer of at most 15 digits (so exactly representable, and
 *     written by JCS as given), or -0 (which JCS writes as 0);
 *   - a duplicate key in one object (JSON parsers disagree on them; the exact tier names it);
 *   - nesting deeper than MAX_DEPTH.
 *
 * Strings are copied verbatim: with no backslash, no control character and valid UTF-8, a
 * JSON string is already written the way JCS writes it. The output is never longer than the
 * input (only whitespace is dropped), so it is written straight into the result object.
 * The GIL is released while parsing: the input is an immutable bytes object and the output is
 * not visible to any other thread until returned.
 *
 * tests/catalog/test_canon.py checks it against rfc8785 and an independent Python reference of
 * the rules above, on generated, mutated and hostile inputs; catalog/_raw.py is the fallback
 * when this module was not built.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 64
#define MAX_DIGITS 15

typedef struct {
    const unsigned char *key; /* in the input, after the opening quote */
    Py_ssize_t klen;
    Py_ssize_t start, end; /* the member `"key":value` in the output */
} member;

/* Tokens are not copied one by one: the input from `run` to `p` is still to be copied, and
 * holds no whitespace, so a token's place in the output is known without copying it
 * (out_pos). The run is copied when whitespace interrupts it, before an object's members are
 * reordered, and at the end: minified input that needs no reordering is one memcpy. */
typedef struct {
    const unsigned char *p, *end, *run;
    unsigned char *out;
    Py_ssize_t len;
    member *members; /* a stack: each open object owns the records above its base */
    Py_ssize_t nmembers, capmembers;
    unsigned char *tmp; /* where an unsorted object's members are reordered */
    Py_ssize_t tmpcap;
    int depth;
    int nomem;
    int reordered;
} parser;

enum { OK = 0, DECLINE = -1 };

/* byte classes inside a string */
enum { PLAIN = 0, QUOTE, BAD, LEAD2, LEAD3, LEAD4 };
static unsigned char string_class[256];

static void init_classes(void) {
    for (int c = 0; c < 256; c++) {
        unsigned char k = PLAIN;
        if (c < 0x20 || c == '\\' || (c >= 0x80 && c < 0xC2) || c > 0xF4)
            k = BAD;
        else if (c == '"')
            k = QUOTE;
        else if (c >= 0xF0)
            k = LEAD4;
        else if (c >= 0xE0)
            k = LEAD3;
        else if (c >= 0xC2)
            k = LEAD2;
        string_class[c] = k;
    }
}

static int parse_value(parser *ps);

static inline Py_ssize_t out_pos(const parser *ps) { return ps->len + (ps->p - ps->run); }

static inline void flush(parser *ps) {
    Py_ssize_t n = ps->p - ps->run;
    if (n) {
        memcpy(ps->out + ps->len, ps->run, (size_t)n);
        ps->len += n;
    }
    ps->run = ps->p;
}

static inline int is_ws(unsigned char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

static inline void skip_ws(parser *ps) {
    if (ps->p < ps->end && is_ws(*ps->p)) {
        flush(ps);
        const unsigned char *p = ps->p + 1, *end = ps->end;
        while (p < end && is_ws(*p)) p++;
        ps->p = ps->run = p;
    }
}

static inline int is_cont(unsigned char c) { return (c & 0xC0) == 0x80; }

/* A string at ps->p (its opening quote). A key must be ASCII. */
static int parse_string(parser *ps, int key) {
    const unsigned char *s = ps->p + 1, *end = ps->end;
    for (;;) {
        while (s < end && string_class[*s] == PLAIN) s++;
        if (s >= end) return DECLINE;
        unsigned char c = *s;
        switch (key ? (c == '"' ? QUOTE : BAD) : string_class[c]) {
        case QUOTE:
            ps->p = s + 1;
            return OK;
        case LEAD2:
            if (end - s < 2 || !is_cont(s[1])) return DECLINE;
            s += 2;
            break;
        case LEAD3:
            if (end - s < 3 || !is_cont(s[1]) || !is_cont(s[2])) return DECLINE;
            if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0)) return DECLINE;
            s += 3;
            break;
        case LEAD4:
            if (end - s < 4 || !is_cont(s[1]) || !is_cont(s[2]) || !is_cont(s[3])) return DECLINE;
            if ((c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] >= 0x90)) return DECLINE;
            s += 4;
            break;
        default:
            return DECLINE;
        }
    }
}

static int parse_number(parser *ps) {
    const unsigned char *s = ps->p, *end = ps->end;
    int negative = 0;
    if (*s == '-') {
        negative = 1;
        s++;
    }
    const unsigned char *digits = s;
    if (s >= end) return DECLINE;
    if (*s == '0') {
        s++;
        if (negative) return DECLINE; /* -0: JCS writes 0 */
    } else if (*s >= '1' && *s <= '9') {
        while (s < end && *s >= '0' && *s <= '9') s++;
    } else {
        return DECLINE;
    }
    if (s - digits > MAX_DIGITS) return DECLINE;
    if (s < end && (*s == '.' || *s == 'e' || *s == 'E')) return DECLINE;
    ps->p = s;
    return OK;
}

static int parse_literal(parser *ps, const char *word, Py_ssize_t n) {
    if (ps->end - ps->p < n || memcmp(ps->p, word, (size_t)n) != 0) return DECLINE;
    ps->p += n;
    return OK;
}

static inline int compare_keys(const member *x, const member *y) {
    Py_ssize_t n = x->klen < y->klen ? x->klen : y->klen;
    int c = memcmp(x->key, y->key, (size_t)n);
    if (c) return c;
    return (x->klen > y->klen) - (x->klen < y->klen);
}

static int compare_members(const void *a, const void *b) { return compare_keys(a, b); }

static int push_member(parser *ps, const member *m) {
    if (ps->nmembers == ps->capmembers) {
        Py_ssize_t cap = ps->capmembers ? 2 * ps->capmembers : 64;
        member *grown = PyMem_RawRealloc(ps->members, (size_t)cap * sizeof(member));
        if (grown == NULL) {
            ps->nomem = 1;
            return DECLINE;
        }
        ps->members = grown;
        ps->capmembers = cap;
    }
    ps->members[ps->nmembers++] = *m;
    return OK;
}

/* Members base..nmembers-1 sorted by key and written back in place (with their commas);
 * everything up to ps->p has been copied (flush). */
static int reorder(parser *ps, Py_ssize_t base) {
    member *m = ps->members + base;
    Py_ssize_t n = ps->nmembers - base, first = m[0].start, size = 0;
    if (n <= 32) { /* an insertion sort: catalog objects have a few to twenty members */
        for (Py_ssize_t i = 1; i < n; i++) {
            member x = m[i];
            Py_ssize_t j = i;
            for (; j > 0 && compare_keys(&m[j - 1], &x) > 0; j--) m[j] = m[j - 1];
            m[j] = x;
        }
    } else {
        qsort(m, (size_t)n, sizeof(member), compare_members);
    }
    for (Py_ssize_t i = 1; i < n; i++)
        if (compare_keys(&m[i - 1], &m[i]) == 0) return DECLINE; /* a duplicate key */
    Py_ssize_t total = ps->len - first;
    if (total > ps->tmpcap) {
        unsigned char *grown = PyMem_RawRealloc(ps->tmp, (size_t)total);
        if (grown == NULL) {
            ps->nomem = 1;
            return DECLINE;
        }
        ps->tmp = grown;
        ps->tmpcap = total;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        if (i) ps->tmp[size++] = ',';
        Py_ssize_t piece = m[i].end - m[i].start;
        memcpy(ps->tmp + size, ps->out + m[i].start, (size_t)piece);
        size += piece;
    }
    if (size != total) return DECLINE; /* cannot happen: the same pieces and commas */
    memcpy(ps->out + first, ps->tmp, (size_t)total);
    return OK;
}

static int parse_object(parser *ps) {
    if (++ps->depth > MAX_DEPTH) return DECLINE;
    ps->p++;
    skip_ws(ps);
    Py_ssize_t base = ps->nmembers;
    int sorted = 1;
    if (ps->p < ps->end && *ps->p == '}') {
        ps->p++;
        ps->depth--;
        return OK;
    }
    for (;;) {
        member m;
        if (ps->p >= ps->end || *ps->p != '"') return DECLINE;
        m.start = out_pos(ps);
        m.key = ps->p + 1;
        if (parse_string(ps, 1) != OK) return DECLINE;
        m.klen = ps->p - m.key - 1;
        skip_ws(ps);
        if (ps->p >= ps->end || *ps->p != ':') return DECLINE;
        ps->p++;
        skip_ws(ps);
        if (parse_value(ps) != OK) return DECLINE;
        m.end = out_pos(ps);
        if (ps->nmembers > base) {
            int c = compare_keys(&ps->members[ps->nmembers - 1], &m);
            if (c == 0) return DECLINE; /* a duplicate key */
            if (c > 0) sorted = 0;
        }
        if (push_member(ps, &m) != OK) return DECLINE;
        skip_ws(ps);
        if (ps->p >= ps->end) return DECLINE;
        if (*ps->p == ',') {
            ps->p++;
            skip_ws(ps);
            continue;
        }
        if (*ps->p != '}') return DECLINE;
        break;
    }
    if (!sorted) {
        ps->reordered = 1;
        flush(ps); /* up to the closing brace */
        if (reorder(ps, base) != OK) return DECLINE;
    }
    ps->p++;
    ps->nmembers = base;
    ps->depth--;
    return OK;
}

static int parse_array(parser *ps) {
    if (++ps->depth > MAX_DEPTH) return DECLINE;
    ps->p++;
    skip_ws(ps);
    if (ps->p < ps->end && *ps->p == ']') {
        ps->p++;
        ps->depth--;
        return OK;
    }
    for (;;) {
        if (parse_value(ps) != OK) return DECLINE;
        skip_ws(ps);
        if (ps->p >= ps->end) return DECLINE;
        if (*ps->p == ',') {
            ps->p++;
            skip_ws(ps);
            continue;
        }
        if (*ps->p != ']') return DECLINE;
        ps->p++;
        break;
    }
    ps->depth--;
    return OK;
}

static int parse_value(parser *ps) {
    if (ps->p >= ps->end) return DECLINE;
    switch (*ps->p) {
    case '{':
        return parse_object(ps);
    case '[':
        return parse_array(ps);
    case '"':
        return parse_string(ps, 0);
    case 't':
        return parse_literal(ps, "true", 4);
    case 'f':
        return parse_literal(ps, "false", 5);
    case 'n':
        return parse_literal(ps, "null", 4);
    default:
        if (*ps->p == '-' || (*ps->p >= '0' && *ps->p <= '9')) return parse_number(ps);
        return DECLINE;
    }
}

static int parse_document(parser *ps) {
    skip_ws(ps);
    if (ps->p >= ps->end || *ps->p != '{') return DECLINE;
    if (parse_object(ps) != OK) return DECLINE;
    skip_ws(ps);
    if (ps->p != ps->end) return DECLINE;
    flush(ps);
    return OK;
}

static PyObject *canonical(PyObject *module, PyObject *arg) {
    (void)module;
    if (!PyBytes_Check(arg)) {
        PyErr_Format(PyExc_TypeError, "canonical() takes bytes, not %.100s", Py_TYPE(arg)->tp_name);
        return NULL;
    }
    Py_ssize_t size = PyBytes_GET_SIZE(arg);
    if (size == 0 || memchr(PyBytes_AS_STRING(arg), '\\', (size_t)size) != NULL) Py_RETURN_NONE;
    PyObject *result = PyBytes_FromStringAndSize(NULL, size);
    if (result == NULL) return NULL;
    parser ps;
    memset(&ps, 0, sizeof ps);
    ps.p = ps.run = (const unsigned char *)PyBytes_AS_STRING(arg);
    ps.end = ps.p + size;
    ps.out = (unsigned char *)PyBytes_AS_STRING(result);
    int outcome;
    Py_BEGIN_ALLOW_THREADS
    outcome = parse_document(&ps);
    Py_END_ALLOW_THREADS
    PyMem_RawFree(ps.members);
    PyMem_RawFree(ps.tmp);
    if (ps.nomem) {
        Py_DECREF(result);
        return PyErr_NoMemory();
    }
    if (outcome != OK) {
        Py_DECREF(result);
        Py_RETURN_NONE;
    }
    if (ps.len == size && !ps.reordered && PyBytes_CheckExact(arg)) {
        Py_DECREF(result); /* already canonical: the input itself */
        Py_INCREF(arg);
        return arg;
    }
    if (ps.len != size && _PyBytes_Resize(&result, ps.len) < 0) return NULL;
    return result;
}

static PyMethodDef methods[] = {
    {"canonical", canonical, METH_O,
     "canonical(data, /)\n--\n\n"
     "The RFC 8785 bytes of the JSON object in ``data``, or None when it is not plain: an\n"
     "escape, a non-ASCII key, a number other than an integer of at most 15 digits, -0, a\n"
     "duplicate key, invalid UTF-8 or a control character in a string, nesting deeper than\n"
     "MAX_DEPTH, or not one JSON object."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "catalog._canon",
    "RFC 8785 bytes of plain JSON objects in one C pass (see canonical).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__canon(void) {
    init_classes();
    PyObject *module = PyModule_Create(&module_def);
    if (module == NULL) return NULL;
    if (PyModule_AddIntConstant(module, "MAX_DEPTH", MAX_DEPTH) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
