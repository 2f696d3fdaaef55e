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
        case LEAD3: /* CJK text: a run of three-byte characters */
            do {
                if (end - s < 3 || !is_cont(s[1]) || !is_cont(s[2])) return DECLINE;
                if ((c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] >= 0xA0)) return DECLINE;
                s += 3;
            } while (s < end && ((c = *s) & 0xF0) == 0xE0);
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
    for (Py_ssize_t i = 0; i < n; i++) /* keys are short: no call to memcmp */
        if (x->key[i] != y->key[i]) return x->key[i] < y->key[i] ? -1 : 1;
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

/* both entry points take one bytes object */
static int is_bytes(PyObject *arg, const char *function) {
    if (PyBytes_Check(arg)) return 1;
    PyErr_Format(PyExc_TypeError, "%s() takes bytes, not %.100s", function, Py_TYPE(arg)->tp_name);
    return 0;
}

static PyObject *canonical(PyObject *module, PyObject *arg) {
    (void)module;
    if (!is_bytes(arg, "canonical")) return NULL;
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

/* ---------------------------------------------------------------------------------------
 * scan(canonical): catalog._scan.scan_canonical in C. The same contract: `canonical` is the
 * RFC 8785 text of a parsed document (what canonical() or orjson's sorted dumps wrote); the
 * result is the list of the resources' bytes (the leaves) when the text is provably a valid
 * catalog, else None (the document may still be valid: the next tiers decide). Sufficient, not
 * complete: a text is at most 200 (long text 4,000) *bytes* here, where the model counts code
 * points. Every object's members come in sorted order in such a text, so the grammar below is
 * the model's fields in that order, as _scan.py's expressions are; the tables are checked
 * against the model by tests/catalog/test_scan.py, which also runs every scan test on both.
 */

typedef struct {
    const unsigned char *p, *end;
} cursor;

#define TEXT_LIMIT 200
#define LONG_LIMIT 4000
#define SCAN_MAX_ITEMS 2000
#define SCAN_MAX_RESOURCES 100000
#define SCAN_MAX_RELATED 1000

static const char *const DATA_TYPES[] = {"字符型", "数值型", "货币型", "日期型", "日期时间型", "逻辑型",
                                         "备注型", "二进制", "浮点型", "整型", "通用型", NULL};
static const char *const UPDATE_CYCLES[] = {"实时", "每日", "每周", "每月",
                                            "每季度", "每半年", "每年", "不定期", NULL};
/* in this order: unconditional, conditional, none */
static const char *const SHARE_TYPES[] = {"无条件共享", "有条件共享", "不予共享", NULL};
static const char *const OPEN_TYPES[] = {"无条件开放", "有条件开放", "不予开放", NULL};
static const char *const KINDS[] = {"declared", "acceptance", NULL};
static const char SCHEMA[] = "mulu.catalog/v1";

/* the bytes `lit` next: consumed, else nothing moves */
static int take(cursor *c, const char *lit, Py_ssize_t n) {
    if (c->end - c->p < n || memcmp(c->p, lit, (size_t)n) != 0) return 0;
    c->p += n;
    return 1;
}
#define TAKE(c, lit) take((c), (lit), (Py_ssize_t)sizeof(lit) - 1)

/* A string token: its content in [*s, *s + *n) (no quote in it: the text has no backslash). */
static int string(cursor *c, const unsigned char **s, Py_ssize_t *n) {
    if (c->p >= c->end || *c->p != '"') return 0;
    const unsigned char *close = memchr(c->p + 1, '"', (size_t)(c->end - c->p - 1));
    if (close == NULL) return 0;
    *s = c->p + 1;
    *n = close - *s;
    c->p = close + 1;
    return 1;
}

static int text(cursor *c, Py_ssize_t limit) {
    const unsigned char *s;
    Py_ssize_t n;
    return string(c, &s, &n) && n >= 1 && n <= limit;
}

static int null_or_text(cursor *c, Py_ssize_t limit) { return TAKE(c, "null") || text(c, limit); }

/* the index of the string's value in `table`, or -1 */
static int one_of(cursor *c, const char *const *table) {
    const unsigned char *s;
    Py_ssize_t n;
    if (!string(c, &s, &n)) return -1;
    for (int i = 0; table[i] != NULL; i++)
        if ((Py_ssize_t)strlen(table[i]) == n && memcmp(s, table[i], (size_t)n) == 0) return i;
    return -1;
}

static int all_digits(const unsigned char *s, Py_ssize_t n) {
    for (Py_ssize_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9') return 0;
    return 1;
}

static int all_upper(const unsigned char *s, Py_ssize_t n) {
    for (Py_ssize_t i = 0; i < n; i++)
        if (s[i] < 'A' || s[i] > 'Z') return 0;
    return 1;
}

/* an integer 1..1,000,000 written without leading zero (the model's ge=1, le=1_000_000) */
static int int_1_to_1m(cursor *c) {
    const unsigned char *s = c->p;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9') c->p++;
    Py_ssize_t n = c->p - s;
    if (n < 1 || n > 7 || *s == '0') return 0;
    long value = 0;
    for (Py_ssize_t i = 0; i < n; i++) value = value * 10 + (s[i] - '0');
    return value <= 1000000;
}

/* [1-3][0-9]{5}([0-9]{3})? */
static int classification_code(const unsigned char *s, Py_ssize_t n) {
    return (n == 6 || n == 9) && s[0] >= '1' && s[0] <= '3' && all_digits(s, n);
}

/* [1-3][0-9]{5}([0-9]{3})?/[0-9]{6} */
static int resource_code(const unsigned char *s, Py_ssize_t n) {
    return n >= 13 && s[n - 7] == '/' && classification_code(s, n - 7) && all_digits(s + n - 6, 6);
}

/* [0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10} */
static int credit_char(unsigned char ch) {
    return (ch >= '0' && ch <= '9') ||
           (ch >= 'A' && ch <= 'Y' && ch != 'I' && ch != 'O' && ch != 'S' && ch != 'V');
}

static int provider_code(const unsigned char *s, Py_ssize_t n) {
    if (n != 18 || !all_digits(s + 2, 6)) return 0;
    for (int i = 0; i < 18; i++)
        if ((i < 2 || i >= 8) && !credit_char(s[i])) return 0;
    return 1;
}

/* [A-Z]{2}-[0-9]{4}-[0-9]{4,6}(-[A-Z0-9]{1,8})? */
static int project_code(const unsigned char *s, Py_ssize_t n) {
    if (n < 12 || !all_upper(s, 2) || s[2] != '-' || !all_digits(s + 3, 4) || s[7] != '-') return 0;
    Py_ssize_t i = 8;
    while (i < n && s[i] >= '0' && s[i] <= '9') i++;
    if (i - 8 < 4 || i - 8 > 6) return 0;
    if (i == n) return 1;
    Py_ssize_t rest = n - i - 1;
    if (s[i] != '-' || rest < 1 || rest > 8) return 0;
    for (Py_ssize_t k = i + 1; k < n; k++)
        if (!((s[k] >= 'A' && s[k] <= 'Z') || (s[k] >= '0' && s[k] <= '9'))) return 0;
    return 1;
}

/* [0-9a-f]{64} */
static int digest_hex(const unsigned char *s, Py_ssize_t n) {
    if (n != 64) return 0;
    for (Py_ssize_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f'))) return 0;
    return 1;
}

static int number_at(const unsigned char *s, int n) {
    int v = 0;
    for (int i = 0; i < n; i++) v = v * 10 + (s[i] - '0');
    return v;
}

/* YYYY-MM-DD and a calendar date (datetime.date.fromisoformat: years 1..9999) */
static int calendar_date(const unsigned char *s, Py_ssize_t n) {
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (n != 10 || !all_digits(s, 4) || s[4] != '-' || !all_digits(s + 5, 2) || s[7] != '-' ||
        !all_digits(s + 8, 2))
        return 0;
    int y = number_at(s, 4), m = number_at(s + 5, 2), d = number_at(s + 8, 2);
    if (y < 1 || m < 1 || m > 12 || d < 1) return 0;
    int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= days[m - 1] + (m == 2 && leap);
}

/* `{"catalogue":...}`; the classification code's content in [*code, *code + *n) */
static int classification(cursor *c, const unsigned char **code, Py_ssize_t *n) {
    return TAKE(c, "{\"catalogue\":") && text(c, TEXT_LIMIT) && TAKE(c, ",\"category\":") &&
           text(c, TEXT_LIMIT) && TAKE(c, ",\"code\":") && string(c, code, n) &&
           classification_code(*code, *n) && TAKE(c, ",\"item\":") && text(c, TEXT_LIMIT) &&
           (!TAKE(c, ",\"sub_item\":") || null_or_text(c, TEXT_LIMIT)) && TAKE(c, "}");
}

static int item(cursor *c) {
    if (!TAKE(c, "{\"data_type\":") || one_of(c, DATA_TYPES) < 0) return 0;
    if (TAKE(c, ",\"length\":") && !TAKE(c, "null") && !int_1_to_1m(c)) return 0;
    return TAKE(c, ",\"name\":") && text(c, TEXT_LIMIT) && TAKE(c, "}");
}

enum { ABSENT = 0, NUL = 1, GIVEN = 2 };

/* an optional member `,"key":` null or a long text: ABSENT, NUL or GIVEN; -1 if malformed */
static int optional_long(cursor *c, const char *key, Py_ssize_t n) {
    if (!take(c, key, n)) return ABSENT;
    if (TAKE(c, "null")) return NUL;
    return text(c, LONG_LIMIT) ? GIVEN : -1;
}
#define OPTIONAL_LONG(c, key) optional_long((c), (key), (Py_ssize_t)sizeof(key) - 1)

typedef struct {
    const unsigned char *s;
    Py_ssize_t n;
} code_span;

static int compare_codes(const void *a, const void *b) {
    const code_span *x = a, *y = b;
    Py_ssize_t n = x->n < y->n ? x->n : y->n;
    int c = memcmp(x->s, y->s, (size_t)n);
    return c ? c : (x->n > y->n) - (x->n < y->n);
}

/* whether the codes are pairwise distinct (sorts them: O(n log n), not a pair-by-pair check) */
static int distinct(code_span *codes, Py_ssize_t count) {
    qsort(codes, (size_t)count, sizeof(code_span), compare_codes);
    for (Py_ssize_t i = 1; i < count; i++)
        if (compare_codes(&codes[i - 1], &codes[i]) == 0) return 0;
    return 1;
}

/* the related codes: distinct resource codes, none the resource's own */
static int related_codes(cursor *c, const unsigned char *own, Py_ssize_t own_n) {
    code_span codes[SCAN_MAX_RELATED];
    Py_ssize_t count = 0;
    if (!TAKE(c, "[")) return 0;
    if (TAKE(c, "]")) return 1;
    for (;;) {
        const unsigned char *s;
        Py_ssize_t n;
        if (count == SCAN_MAX_RELATED || !string(c, &s, &n) || !resource_code(s, n)) return 0;
        if (n == own_n && memcmp(s, own, (size_t)n) == 0) return 0;
        codes[count].s = s;
        codes[count++].n = n;
        if (TAKE(c, "]")) return distinct(codes, count);
        if (!TAKE(c, ",")) return 0;
    }
}

/* one resource; its code's content in [*code, *code + *n) */
static int resource(cursor *c, const unsigned char **code, Py_ssize_t *code_n) {
    const unsigned char *cc;
    Py_ssize_t cc_n;
    if (!TAKE(c, "{\"classification\":") || !classification(c, &cc, &cc_n)) return 0;
    if (!TAKE(c, ",\"code\":") || !string(c, code, code_n) || *code_n != cc_n + 7 ||
        memcmp(*code, cc, (size_t)cc_n) != 0 || (*code)[cc_n] != '/' ||
        !all_digits(*code + cc_n + 1, 6))
        return 0;
    if (!TAKE(c, ",\"format\":") || !text(c, TEXT_LIMIT) || !TAKE(c, ",\"items\":[")) return 0;
    for (int count = 0;; count++) {
        if (count == SCAN_MAX_ITEMS || !item(c)) return 0;
        if (TAKE(c, "]")) break;
        if (!TAKE(c, ",")) return 0;
    }
    if (!TAKE(c, ",\"name\":") || !text(c, TEXT_LIMIT)) return 0;
    int open_condition = OPTIONAL_LONG(c, ",\"open_condition\":");
    int open_basis = OPTIONAL_LONG(c, ",\"open_legal_basis\":");
    if (open_condition < 0 || open_basis < 0 || !TAKE(c, ",\"open_type\":")) return 0;
    switch (one_of(c, OPEN_TYPES)) { /* a condition exactly when conditional, a basis when none */
    case 0:
        if (open_condition == GIVEN || open_basis == GIVEN) return 0;
        break;
    case 1:
        if (open_condition != GIVEN || open_basis == GIVEN) return 0;
        break;
    case 2:
        if (open_condition == GIVEN || open_basis != GIVEN) return 0;
        break;
    default:
        return 0;
    }
    if (!TAKE(c, ",\"provider\":") || !text(c, TEXT_LIMIT) || !TAKE(c, ",\"provider_code\":"))
        return 0;
    const unsigned char *s;
    Py_ssize_t n;
    if (!string(c, &s, &n) || !provider_code(s, n)) return 0;
    if (TAKE(c, ",\"publish_date\":") && !TAKE(c, "null") &&
        !(string(c, &s, &n) && calendar_date(s, n)))
        return 0;
    if (TAKE(c, ",\"related_codes\":") && !related_codes(c, *code, *code_n)) return 0;
    int share_condition = OPTIONAL_LONG(c, ",\"share_condition\":");
    int share_basis = OPTIONAL_LONG(c, ",\"share_legal_basis\":");
    if (share_condition < 0 || share_basis < 0) return 0;
    int method = ABSENT;
    if (TAKE(c, ",\"share_method\":")) {
        if (TAKE(c, "null"))
            method = NUL;
        else if (text(c, TEXT_LIMIT))
            method = GIVEN;
        else
            return 0;
    }
    if (!TAKE(c, ",\"share_type\":")) return 0;
    switch (one_of(c, SHARE_TYPES)) { /* as for opening, and a method unless none */
    case 0:
        if (share_condition == GIVEN || share_basis == GIVEN || method != GIVEN) return 0;
        break;
    case 1:
        if (share_condition != GIVEN || share_basis == GIVEN || method != GIVEN) return 0;
        break;
    case 2:
        if (share_condition == GIVEN || share_basis != GIVEN) return 0;
        break;
    default:
        return 0;
    }
    return TAKE(c, ",\"summary\":") && text(c, LONG_LIMIT) && TAKE(c, ",\"update_cycle\":") &&
           one_of(c, UPDATE_CYCLES) >= 0 && TAKE(c, "}");
}

/* the leaves' spans into `spans` (pairs of offsets) when the document is provably valid */
static int scan_document(const unsigned char *text_, Py_ssize_t size, Py_ssize_t **spans,
                         Py_ssize_t *count, int *nomem) {
    cursor c = {text_, text_ + size};
    const unsigned char *s;
    Py_ssize_t n, cap = 0;
    code_span *codes = NULL;
    int ok = 0, digest = 0;
    *count = 0;
    if (!TAKE(&c, "{")) return 0;
    if (TAKE(&c, "\"declared_digest\":")) {
        if (!TAKE(&c, "null")) {
            if (!string(&c, &s, &n) || !digest_hex(s, n)) return 0;
            digest = 1;
        }
        if (!TAKE(&c, ",")) return 0;
    }
    if (!TAKE(&c, "\"kind\":")) return 0;
    int kind = one_of(&c, KINDS);
    if (kind < 0 || (kind == 0 && digest)) return 0; /* a declared catalog names no digest */
    if (!TAKE(&c, ",\"project_code\":") || !string(&c, &s, &n) || !project_code(s, n)) return 0;
    if (TAKE(&c, ",\"project_name\":") && !null_or_text(&c, TEXT_LIMIT)) return 0;
    if (!TAKE(&c, ",\"resources\":[")) return 0;
    if (!(c.p < c.end && *c.p == ']')) {
        for (;;) {
            if (*count == SCAN_MAX_RESOURCES) goto done;
            if (*count == cap) {
                cap = cap ? 2 * cap : 128;
                Py_ssize_t *grown = PyMem_RawRealloc(*spans, (size_t)cap * 2 * sizeof(Py_ssize_t));
                code_span *more = grown ? PyMem_RawRealloc(codes, (size_t)cap * sizeof(code_span))
                                        : NULL;
                if (grown) *spans = grown;
                if (more) codes = more;
                if (grown == NULL || more == NULL) {
                    *nomem = 1;
                    goto done;
                }
            }
            Py_ssize_t start = c.p - text_;
            if (!resource(&c, &codes[*count].s, &codes[*count].n)) goto done;
            (*spans)[2 * *count] = start;
            (*spans)[2 * *count + 1] = c.p - text_;
            ++*count;
            if (!TAKE(&c, ",")) break;
        }
    }
    if (!TAKE(&c, "],\"schema\":") || !string(&c, &s, &n) || n != (Py_ssize_t)sizeof(SCHEMA) - 1 ||
        memcmp(s, SCHEMA, (size_t)n) != 0)
        goto done;
    if (TAKE(&c, ",\"unit\":") && !null_or_text(&c, TEXT_LIMIT)) goto done;
    if (!TAKE(&c, ",\"version\":") || !int_1_to_1m(&c) || !TAKE(&c, "}") || c.p != c.end) goto done;
    ok = distinct(codes, *count); /* resource codes unique in the catalog */
done:
    PyMem_RawFree(codes);
    return ok;
}

static PyObject *scan(PyObject *module, PyObject *arg) {
    (void)module;
    if (!is_bytes(arg, "scan")) return NULL;
    const unsigned char *text_ = (const unsigned char *)PyBytes_AS_STRING(arg);
    Py_ssize_t size = PyBytes_GET_SIZE(arg), count = 0, *spans = NULL;
    int ok, nomem = 0;
    if (memchr(text_, '\\', (size_t)size) != NULL) Py_RETURN_NONE; /* an escape: exact tiers */
    Py_BEGIN_ALLOW_THREADS
    ok = scan_document(text_, size, &spans, &count, &nomem);
    Py_END_ALLOW_THREADS
    if (nomem) {
        PyMem_RawFree(spans);
        return PyErr_NoMemory();
    }
    if (!ok) {
        PyMem_RawFree(spans);
        Py_RETURN_NONE;
    }
    PyObject *leaves = PyList_New(count);
    for (Py_ssize_t i = 0; leaves != NULL && i < count; i++) {
        PyObject *leaf = PyBytes_FromStringAndSize((const char *)text_ + spans[2 * i],
                                                   spans[2 * i + 1] - spans[2 * i]);
        if (leaf == NULL) Py_CLEAR(leaves);
        else PyList_SET_ITEM(leaves, i, leaf);
    }
    PyMem_RawFree(spans);
    return leaves;
}

static PyObject *tables(void) {
    const char *const *all[] = {DATA_TYPES, UPDATE_CYCLES, SHARE_TYPES, OPEN_TYPES, KINDS};
    const char *names[] = {"data_type", "update_cycle", "share_type", "open_type", "kind"};
    PyObject *dict = PyDict_New();
    for (int t = 0; dict != NULL && t < 5; t++) {
        PyObject *values = PyTuple_New(0);
        for (int i = 0; values != NULL && all[t][i] != NULL; i++) {
            PyObject *value = PyUnicode_FromString(all[t][i]);
            if (value == NULL || _PyTuple_Resize(&values, i + 1) < 0) {
                Py_XDECREF(value);
                Py_CLEAR(values);
                break;
            }
            PyTuple_SET_ITEM(values, i, value);
        }
        if (values == NULL || PyDict_SetItemString(dict, names[t], values) < 0) Py_CLEAR(dict);
        Py_XDECREF(values);
    }
    if (dict == NULL) return NULL;
    PyObject *limits = Py_BuildValue("{s:s,s:i,s:i,s:i,s:i,s:i}", "schema", SCHEMA, "text",
                                     TEXT_LIMIT, "long_text", LONG_LIMIT, "items", SCAN_MAX_ITEMS,
                                     "resources", SCAN_MAX_RESOURCES, "related_codes",
                                     SCAN_MAX_RELATED);
    if (limits == NULL || PyDict_Update(dict, limits) < 0) Py_CLEAR(dict);
    Py_XDECREF(limits);
    return dict;
}

static PyMethodDef methods[] = {
    {"canonical", canonical, METH_O,
     "canonical(data, /)\n--\n\n"
     "The RFC 8785 bytes of the JSON object in ``data``, or None when it is not plain: an\n"
     "escape, a non-ASCII key, a number other than an integer of at most 15 digits, -0, a\n"
     "duplicate key, invalid UTF-8 or a control character in a string, nesting deeper than\n"
     "MAX_DEPTH, or not one JSON object."},
    {"scan", scan, METH_O,
     "scan(canonical, /)\n--\n\n"
     "catalog._scan.scan_canonical in C: the leaves (each resource's bytes) when the RFC 8785\n"
     "text ``canonical`` is provably a valid catalog, else None (the next tiers decide)."},
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
    PyObject *scan_tables = tables();
    if (scan_tables == NULL || PyModule_AddObject(module, "SCAN_TABLES", scan_tables) < 0) {
        Py_XDECREF(scan_tables);
        Py_DECREF(module);
        return NULL;
    }
    if (PyModule_AddIntConstant(module, "MAX_DEPTH", MAX_DEPTH) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
