/* test-argspec.c - unit tests for the validator of the
 * validate_argument_spec module: specs and values whose errors are the ones
 * ansible-core 2.14's ArgumentSpecValidator gives (taken from it, in its
 * order). */
#include "../../engine/core/core.h"
#include "../../engine/modules/argspec-private.h"
#include "harness.h"

static struct gf_val *json(const char *s)
{
    struct gf_val *v = NULL;
    struct gf_error err = GF_ERROR_INIT;

    if (gf_yaml_load(s, strlen(s), "test", &v, &err) < 0)
        gf_die("bad test data: %s", err.msg);
    return v;
}

/* spec, values, the errors as a JSON list */
static const char *const cases[][3] = {
    { "{\"a\": {\"type\": \"int\"}, \"c\": {\"type\": \"list\", \"elements\": \"int\"}}",
      "{\"a\": \"x\", \"c\": [\"1\", \"z\"]}",
      "[\"argument 'a' is of type <class 'str'> and we were unable to convert to int: <class 'str'> cannot be converted to an int\", \"Elements value for option 'c' is of type <class 'str'> and we were unable to convert to int: <class 'str'> cannot be converted to an int\"]" },
    { "{\"a\": {\"type\": \"str\", \"required\": true}, \"b\": {\"required\": true}, \"c\": {\"type\": \"int\", \"default\": 3}}",
      "{}",
      "[\"missing required arguments: a, b\"]" },
    { "{\"m\": {\"type\": \"str\", \"choices\": [\"on\", \"off\"]}, \"l\": {\"type\": \"list\", \"choices\": [\"x\", \"y\"]}}",
      "{\"m\": \"up\", \"l\": [\"x\", \"q\"]}",
      "[\"value of m must be one of: on, off, got: up\", \"value of l must be one or more of: x, y. Got no match for: q\"]" },
    { "{\"d\": {\"type\": \"dict\", \"options\": {\"p\": {\"type\": \"int\", \"required\": true}, \"q\": {\"choices\": [1, 2], \"type\": \"int\"}}}}",
      "{\"d\": {\"q\": \"3\", \"z\": 1}}",
      "[\"missing required arguments: p found in d\", \"value of q must be one of: 1, 2, got: 3 found in d\", \"d.z. Supported parameters include: p, q.\"]" },
    { "{\"d\": {\"type\": \"list\", \"elements\": \"dict\", \"options\": {\"p\": {\"type\": \"int\"}}}}",
      "{\"d\": [{\"p\": \"x\"}, \"s\"]}",
      "[\"dictionary requested, could not parse JSON or key=value\", \"Elements value for option 'd' is of type <class 'str'> and we were unable to convert to dict: dictionary requested, could not parse JSON or key=value\", \"argument 'p' is of type <class 'str'> found in 'd'. and we were unable to convert to int: <class 'str'> cannot be converted to an int\"]" },
    { "{\"a\": {\"type\": \"int\", \"default\": \"nope\"}, \"b\": {\"type\": \"str\", \"aliases\": [\"bb\"]}}",
      "{\"bb\": 1, \"zz\": 2}",
      "[\"argument 'a' is of type <class 'str'> and we were unable to convert to int: <class 'str'> cannot be converted to an int\", \"zz. Supported parameters include: a, b (bb).\"]" },
    { "{\"a\": {\"type\": \"dict\"}, \"b\": {\"type\": \"dict\"}, \"c\": {\"type\": \"dict\"}}",
      "{\"a\": \"k=v, x='y z'\", \"b\": \"oops\", \"c\": \"k=v,w\"}",
      "[\"argument 'b' is of type <class 'str'> and we were unable to convert to dict: dictionary requested, could not parse JSON or key=value\", \"argument 'c' is of type <class 'str'> and we were unable to convert to dict: dictionary update sequence element #1 has length 1; 2 is required\"]" },
    { "{\"a\": {\"type\": \"float\"}, \"b\": {\"type\": \"int\"}, \"c\": {\"type\": \"str\", \"elements\": \"str\"}}",
      "{\"a\": \" 1e3 \", \"b\": \" 4_2 \", \"c\": 5}",
      "[\"Invalid type str for option '5', elements value check is supported only with 'list' type\"]" },
    { "{\"a\": {\"type\": \"bool\", \"choices\": [true]}, \"b\": {\"type\": \"str\", \"choices\": [\"yes\", \"on\"]}, \"c\": {\"type\": \"str\", \"choices\": [\"no\", \"x\"]}}",
      "{\"a\": \"yes\", \"b\": \"True\", \"c\": \"False\"}",
      "[\"value of b must be one of: yes, on, got: True\"]" },
    { "{\"a\": {\"type\": \"str\", \"required\": true, \"default\": \"x\"}}",
      "{\"a\": 1}",
      "[\"internal error: required and default are mutually exclusive for a\"]" },
    { "{\"a\": {\"type\": \"list\", \"elements\": \"str\"}, \"b\": {\"type\": \"str\"}, \"e\": {\"type\": \"raw\"}, \"f\": {\"type\": \"nosuch\"}}",
      "{\"a\": \"x,y\", \"b\": [\"l\", 1], \"e\": {\"k\": [1]}, \"f\": 1}",
      "[\"argument 'f' is of type <class 'int'> and we were unable to convert to nosuch: 'NoneType' object is not callable\"]" },
    { "{\"d\": {\"type\": \"dict\", \"apply_defaults\": true, \"mutually_exclusive\": [[\"p\", \"q\"]], \"options\": {\"p\": {\"type\": \"int\", \"default\": 1}, \"q\": {}, \"r\": {\"type\": \"dict\", \"options\": {\"s\": {\"required\": true}}}}}}",
      "{\"d\": {\"q\": \"x\", \"r\": {}}}",
      "[\"missing required arguments: s found in d -> r\"]" },
};

TEST(argspec_errors_as_ansible_gives_them)
{
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct gf_val *spec = json(cases[i][0]), *params = json(cases[i][1]);
        struct gf_val *errs = gf_val_list();
        struct gf_buf got = GF_BUF_INIT;
        char *what = NULL;

        ASSERT_EQ(gf_argspec_validate(spec, params, 0, errs, &what), 0);
        gf_json_dump(errs, -1, 0, &got);
        if (strcmp(got.buf, cases[i][2]) != 0)
            FAILF("case %zu:\n got %s\nwant %s", i, got.buf, cases[i][2]);
        gf_buf_release(&got);
        gf_val_unref(errs);
        gf_val_unref(spec);
        gf_val_unref(params);
    }
}

TEST(argspec_bool_and_passing_values)
{
    struct gf_val *spec = json("{\"b\": {\"type\": \"bool\"}, \"l\": {\"type\": \"list\", "
                               "\"elements\": \"int\", \"default\": [1]}}");
    struct gf_val *ok = json("{\"b\": \" Yes \", \"l\": [\"1\", 2]}"), *bad = json("{\"b\": 2}");
    struct gf_val *errs = gf_val_list();
    char *what = NULL;

    ASSERT_EQ(gf_argspec_validate(spec, ok, 0, errs, &what), 0);
    ASSERT_EQ(errs->u.list.n, 0);
    ASSERT_EQ(gf_argspec_validate(spec, bad, 0, errs, &what), 0);
    ASSERT_EQ(errs->u.list.n, 1);
    ASSERT(strstr(((struct gf_val *)errs->u.list.v[0])->u.str.s,
                  "argument 'b' is of type <class 'int'> and we were unable to convert to bool: "
                  "The value '2' is not a valid boolean.") != NULL);
    gf_val_unref(errs);
    gf_val_unref(spec);
    gf_val_unref(ok);
    gf_val_unref(bad);
}

TEST(argspec_refuses_what_it_does_not_check)
{
    struct gf_val *spec = json("{\"s\": {\"type\": \"bytes\"}}"), *p = json("{\"s\": \"1K\"}");
    struct gf_val *errs = gf_val_list();
    char *what = NULL;

    ASSERT_EQ(gf_argspec_validate(spec, p, 0, errs, &what), -1);
    ASSERT_STREQ(what, "type bytes (option s)");
    free(what);
    gf_val_unref(spec);
    gf_val_unref(p);
    spec = json("{\"d\": {\"type\": \"dict\", \"required_if\": [[\"a\", 1, [\"b\"]]], "
                "\"options\": {\"a\": {}, \"b\": {}}}}");
    p = json("{\"d\": {\"a\": 1}}");
    ASSERT_EQ(gf_argspec_validate(spec, p, 0, errs, &what), -1);
    ASSERT_STREQ(what, "required_if (in the options of d)");
    free(what);
    gf_val_unref(errs);
    gf_val_unref(spec);
    gf_val_unref(p);
}

TEST(argspec_names_ansible_classes)
{
    struct gf_val *spec = json("{\"a\": {\"type\": \"int\"}, \"u\": {\"type\": \"int\"}}");
    struct gf_val *p = json("{\"a\": \"x\"}"), *errs = gf_val_list();
    char *what = NULL;

    gf_val_map_set(p, "u", gf_val_unsafe(gf_val_str("y")));
    ASSERT_EQ(gf_argspec_validate(spec, p, 1, errs, &what), 0);
    ASSERT_EQ(errs->u.list.n, 2);
    ASSERT_STREQ(((struct gf_val *)errs->u.list.v[0])->u.str.s,
                 "argument 'a' is of type <class 'ansible.parsing.yaml.objects.AnsibleUnicode'> "
                 "and we were unable to convert to int: <class "
                 "'ansible.parsing.yaml.objects.AnsibleUnicode'> cannot be converted to an int");
    ASSERT(strstr(((struct gf_val *)errs->u.list.v[1])->u.str.s,
                  "<class 'ansible.utils.unsafe_proxy.AnsibleUnsafeText'>") != NULL);
    gf_val_unref(errs);
    gf_val_unref(spec);
    gf_val_unref(p);
}
