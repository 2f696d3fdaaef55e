/* sm_crypto._sm3bulk: many SM3 digests of one prefix and many messages, in one call.
 *
 * SM3 stays OpenSSL's: nothing here hashes. bind(path) resolves a few EVP functions with
 * dlopen/dlsym from the `_hashlib` extension that is already loaded (dlsym on its handle
 * finds them in the libcrypto it links), so this is the library hashlib.new("sm3") uses, and
 * building needs no OpenSSL headers. bind fetches "SM3" once and checks it on "abc" (GB/T
 * 32905 appendix A); the binding is kept for the life of the process.
 *
 *   each(prefix, messages)   SM3(prefix || m) for each bytes m of a list or tuple, concatenated;
 *   chunks(prefix, data, n)  SM3(prefix || chunk) for each n-byte chunk of data, concatenated.
 *
 * What is saved is the per-digest cost of Python objects (copy, update, digest) in a loop.
 * Each call has its own EVP_MD_CTX and releases the GIL while hashing: the messages are held
 * by a tuple the call owns, their pointers copied beforehand, and the output is not visible to
 * other threads until returned. The fetched EVP_MD is shared read-only.
 *
 * sm_crypto/_sm3.py uses it when hashlib provides SM3 and bind succeeds, and otherwise loops
 * in Python; tests/sm_crypto/test_sm3bulk.py checks both against hashlib.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <dlfcn.h>
#include <string.h>

#define DIGEST_SIZE 32
#define MAX_MD_SIZE 64 /* EVP_MAX_MD_SIZE: what any EVP_DigestFinal_ex may write */

/* OpenSSL 3 prototypes, with opaque pointers (no headers needed) */
typedef struct {
    void *(*md_fetch)(void *libctx, const char *algorithm, const char *properties);
    void (*md_free)(void *md);
    void *(*ctx_new)(void);
    void (*ctx_free)(void *ctx);
    int (*init)(void *ctx, const void *md, void *engine);
    int (*update)(void *ctx, const void *data, size_t count);
    int (*final)(void *ctx, unsigned char *out, unsigned int *size);
    void (*clear_error)(void);
    void *md; /* the fetched SM3 */
} evp;

static evp lib; /* set once by bind, under the GIL; read-only afterwards */
static int bound;

static const unsigned char ABC_SM3[DIGEST_SIZE] = {
    0x66, 0xc7, 0xf0, 0xf4, 0x62, 0xee, 0xed, 0xd9, 0xd1, 0xf2, 0xd4, 0x6b, 0xdc, 0x10, 0xe4, 0xe2,
    0x41, 0x67, 0xc4, 0x87, 0x5c, 0xf2, 0xf7, 0xa2, 0x29, 0x7d, 0xa0, 0x2b, 0x8f, 0x4b, 0xa8, 0xe0,
};

typedef struct {
    const char *data;
    Py_ssize_t size;
} span;

/* SM3(prefix || message) into out; 0 when OpenSSL fails */
static inline int digest(const evp *f, void *ctx, const char *prefix, Py_ssize_t plen,
                         const char *message, Py_ssize_t size, unsigned char *out) {
    unsigned int n = 0;
    return f->init(ctx, f->md, NULL) == 1 && f->update(ctx, prefix, (size_t)plen) == 1 &&
           f->update(ctx, message, (size_t)size) == 1 && f->final(ctx, out, &n) == 1 &&
           n == DIGEST_SIZE;
}

/* fills `f` from the object at `handle` and fetches SM3; 0 (nothing kept) on any failure */
static int resolve(void *handle, evp *f) {
    const char *names[] = {"EVP_MD_fetch", "EVP_MD_free", "EVP_MD_CTX_new", "EVP_MD_CTX_free",
                           "EVP_DigestInit_ex", "EVP_DigestUpdate", "EVP_DigestFinal_ex",
                           "ERR_clear_error"};
    void *symbols[8];
    for (int i = 0; i < 8; i++)
        if ((symbols[i] = dlsym(handle, names[i])) == NULL) return 0;
    memset(f, 0, sizeof *f);
    memcpy(&f->md_fetch, &symbols[0], sizeof f->md_fetch);
    memcpy(&f->md_free, &symbols[1], sizeof f->md_free);
    memcpy(&f->ctx_new, &symbols[2], sizeof f->ctx_new);
    memcpy(&f->ctx_free, &symbols[3], sizeof f->ctx_free);
    memcpy(&f->init, &symbols[4], sizeof f->init);
    memcpy(&f->update, &symbols[5], sizeof f->update);
    memcpy(&f->final, &symbols[6], sizeof f->final);
    memcpy(&f->clear_error, &symbols[7], sizeof f->clear_error);
    f->md = f->md_fetch(NULL, "SM3", NULL);
    if (f->md == NULL) {
        f->clear_error();
        return 0;
    }
    unsigned char out[MAX_MD_SIZE];
    unsigned int n = 0;
    void *ctx = f->ctx_new();
    int ok = ctx != NULL && f->init(ctx, f->md, NULL) == 1 && f->update(ctx, "abc", 3) == 1 &&
             f->final(ctx, out, &n) == 1 && n == DIGEST_SIZE &&
             memcmp(out, ABC_SM3, DIGEST_SIZE) == 0;
    if (ctx != NULL) f->ctx_free(ctx);
    if (!ok) {
        f->clear_error();
        f->md_free(f->md);
    }
    return ok;
}

static PyObject *bind(PyObject *module, PyObject *arg) {
    (void)module;
    if (!PyUnicode_Check(arg))
        return PyErr_Format(PyExc_TypeError, "bind() takes a str path, not %.100s",
                            Py_TYPE(arg)->tp_name);
    PyObject *encoded = PyUnicode_EncodeFSDefault(arg);
    if (encoded == NULL) {
        PyErr_Clear();
        Py_RETURN_FALSE;
    }
    const char *path = PyBytes_AS_STRING(encoded);
    void *handle = NULL;
    if (strlen(path) == (size_t)PyBytes_GET_SIZE(encoded))
        handle = dlopen(path, RTLD_NOW | RTLD_NOLOAD); /* only what is already loaded */
    Py_DECREF(encoded);
    if (handle == NULL) Py_RETURN_FALSE;
    evp found;
    if (!resolve(handle, &found)) {
        dlclose(handle);
        Py_RETURN_FALSE;
    }
    if (bound) { /* keep the first binding: calls in other threads may be using it */
        found.md_free(found.md);
        dlclose(handle);
        Py_RETURN_TRUE;
    }
    lib = found; /* the handle stays open */
    bound = 1;
    Py_RETURN_TRUE;
}

static int ready(const char *function) {
    if (bound) return 1;
    PyErr_Format(PyExc_RuntimeError, "%s(): OpenSSL's SM3 is not bound (call bind() first)",
                 function);
    return 0;
}

static int is_bytes(PyObject *arg, const char *function, const char *name) {
    if (PyBytes_Check(arg)) return 1;
    PyErr_Format(PyExc_TypeError, "%s() %s must be bytes, not %.100s", function, name,
                 Py_TYPE(arg)->tp_name);
    return 0;
}

static int nargs_is(Py_ssize_t nargs, Py_ssize_t want, const char *function) {
    if (nargs == want) return 1;
    PyErr_Format(PyExc_TypeError, "%s() takes exactly %zd arguments (%zd given)", function, want,
                 nargs);
    return 0;
}

/* the output for `count` digests, or NULL (MemoryError) */
static PyObject *output(Py_ssize_t count) {
    if (count > PY_SSIZE_T_MAX / DIGEST_SIZE) return PyErr_NoMemory();
    return PyBytes_FromStringAndSize(NULL, count * DIGEST_SIZE);
}

static PyObject *failed(PyObject *result) {
    Py_DECREF(result);
    lib.clear_error();
    PyErr_SetString(PyExc_RuntimeError, "OpenSSL SM3 failed");
    return NULL;
}

/* SM3(prefix || message i) for each i < count into `result`, the GIL released: message i is
 * spans[i], or without spans the i-th `size`-byte piece of `data`. 0 when OpenSSL fails. */
static int hash_all(PyObject *prefix, const span *spans, const char *data, Py_ssize_t size,
                    Py_ssize_t count, PyObject *result) {
    if (count == 0) return 1;
    const char *pre = PyBytes_AS_STRING(prefix);
    Py_ssize_t plen = PyBytes_GET_SIZE(prefix);
    unsigned char *out = (unsigned char *)PyBytes_AS_STRING(result);
    int ok;
    Py_BEGIN_ALLOW_THREADS
    void *ctx = lib.ctx_new();
    ok = ctx != NULL;
    for (Py_ssize_t i = 0; ok && i < count; i++)
        ok = spans ? digest(&lib, ctx, pre, plen, spans[i].data, spans[i].size, out + i * DIGEST_SIZE)
                   : digest(&lib, ctx, pre, plen, data + i * size, size, out + i * DIGEST_SIZE);
    if (ctx != NULL) lib.ctx_free(ctx);
    Py_END_ALLOW_THREADS
    return ok;
}

static PyObject *each(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    (void)module;
    if (!nargs_is(nargs, 2, "each") || !ready("each") || !is_bytes(args[0], "each", "prefix"))
        return NULL;
    PyObject *prefix = args[0], *messages;
    if (PyTuple_Check(args[1])) {
        messages = Py_NewRef(args[1]);
    } else if (PyList_Check(args[1])) {
        messages = PySequence_Tuple(args[1]); /* the list may change once the GIL is released */
        if (messages == NULL) return NULL;
    } else {
        return PyErr_Format(PyExc_TypeError, "each() messages must be a list or tuple, not %.100s",
                            Py_TYPE(args[1])->tp_name);
    }
    Py_ssize_t count = PyTuple_GET_SIZE(messages);
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *m = PyTuple_GET_ITEM(messages, i);
        if (!PyBytes_CheckExact(m)) {
            PyErr_Format(PyExc_TypeError, "each() messages[%zd] must be bytes, not %.100s", i,
                         Py_TYPE(m)->tp_name);
            Py_DECREF(messages);
            return NULL;
        }
    }
    span *spans = count ? PyMem_New(span, (size_t)count) : NULL;
    PyObject *result = count && spans == NULL ? PyErr_NoMemory() : output(count);
    if (result == NULL) {
        PyMem_Free(spans);
        Py_DECREF(messages);
        return NULL;
    }
    for (Py_ssize_t i = 0; i < count; i++) {
        PyObject *m = PyTuple_GET_ITEM(messages, i);
        spans[i].data = PyBytes_AS_STRING(m);
        spans[i].size = PyBytes_GET_SIZE(m);
    }
    int ok = hash_all(prefix, spans, NULL, 0, count, result);
    PyMem_Free(spans);
    Py_DECREF(messages);
    return ok ? result : failed(result);
}

static PyObject *chunks(PyObject *module, PyObject *const *args, Py_ssize_t nargs) {
    (void)module;
    if (!nargs_is(nargs, 3, "chunks") || !ready("chunks") ||
        !is_bytes(args[0], "chunks", "prefix") || !is_bytes(args[1], "chunks", "data"))
        return NULL;
    if (!PyLong_Check(args[2]))
        return PyErr_Format(PyExc_TypeError, "chunks() size must be an int, not %.100s",
                            Py_TYPE(args[2])->tp_name);
    Py_ssize_t size = PyLong_AsSsize_t(args[2]), total = PyBytes_GET_SIZE(args[1]);
    if (size == -1 && PyErr_Occurred()) { /* beyond Py_ssize_t */
        PyErr_Clear();
        return PyErr_Format(PyExc_ValueError, "chunks() size %R is out of range", args[2]);
    }
    if (size <= 0)
        return PyErr_Format(PyExc_ValueError, "chunks() size must be positive, got %zd", size);
    if (total % size)
        return PyErr_Format(PyExc_ValueError,
                            "chunks() data is %zd bytes, not a multiple of size %zd", total, size);
    Py_ssize_t count = total / size;
    PyObject *result = output(count);
    if (result == NULL) return NULL;
    int ok = hash_all(args[0], NULL, PyBytes_AS_STRING(args[1]), size, count, result);
    return ok ? result : failed(result);
}

static PyMethodDef methods[] = {
    {"bind", bind, METH_O,
     "bind(path, /)\n--\n\n"
     "Bind to OpenSSL's SM3 through the already loaded extension at ``path`` (that of\n"
     "``_hashlib``); False, binding nothing, when that fails. The first binding is kept."},
    {"each", (PyCFunction)(void (*)(void))each, METH_FASTCALL,
     "each(prefix, messages, /)\n--\n\n"
     "SM3(prefix || m) for each bytes ``m`` of the list or tuple ``messages``, concatenated."},
    {"chunks", (PyCFunction)(void (*)(void))chunks, METH_FASTCALL,
     "chunks(prefix, data, size, /)\n--\n\n"
     "SM3(prefix || chunk) for each ``size``-byte chunk of ``data``, concatenated; ``len(data)``\n"
     "must be a multiple of ``size``."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module_def = {
    PyModuleDef_HEAD_INIT, "sm_crypto._sm3bulk",
    "Many SM3 digests per call through OpenSSL's EVP API (see each and chunks).", -1, methods,
    NULL, NULL, NULL, NULL,
};

PyMODINIT_FUNC PyInit__sm3bulk(void) {
    PyObject *module = PyModule_Create(&module_def);
    if (module == NULL) return NULL;
    if (PyModule_AddIntConstant(module, "DIGEST_SIZE", DIGEST_SIZE) < 0) {
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
