"""The Jupyter project's kernel test suite (jupyter_kernel_test) against the
installed dossier kernel. Run by tests/cli/kernel.rs with the virtualenv's
Python and JUPYTER_PATH pointing at a kernelspec installed with
`dossier kernel install --prefix`; the working folder is a dossier project."""

import unittest

import jupyter_kernel_test


class DossierKernelTests(jupyter_kernel_test.KernelTests):
    kernel_name = "dossier"
    language_name = "rhai"
    file_extension = ".rhai"

    code_hello_world = 'print("hello, world")'
    code_stderr = 'debug("to stderr")'

    completion_samples = [
        {"text": "datas", "matches": {"dataset", "datasets"}},
        {"text": "let zebra_count = 3; zebra_c", "matches": {"zebra_count"}},
    ]

    complete_code_samples = ["1 + 1", "let x = 2;", 'print("a")', "fn f(a) { a * 2 }"]
    incomplete_code_samples = ["let x = [1, 2,", "fn f(a) {", "if true {", 'print("a",']
    invalid_code_samples = ["let = 5;", "1 +* 2;", "let x = );"]

    code_generate_error = "let a = 1;\nundefined_thing(a)"

    code_execute_result = [
        {"code": "6 * 7", "result": "42"},
        {"code": '"ab" + "cd"', "result": '"abcd"'},
        {"code": "[1, 2, 3].len()", "result": "3"},
        {"code": 'frame(#{ year: [2020, 2021] }).collect()', "mime": "text/html"},
    ]
    code_history_pattern = "6 ?*"
    supported_history_operations = ("tail", "range", "search")

    code_display_data = [
        {"code": "display(frame(#{ a: [1, 2], b: [\"x\", \"y\"] }, [\"a\", \"b\"]).collect())", "mime": "text/html"},
        {"code": "display(frame(#{ a: [1, 2] }).collect())", "mime": "text/plain"},
        {
            "code": 'display(chart("line", frame(#{ year: [2020, 2021, 2022], v: [1, 3, 2] }), #{ x: "year", y: "v" }))',
            "mime": "image/svg+xml",
        },
        {
            "code": 'display(chart("bar", frame(#{ k: ["a", "b"], v: [1, 3] }), #{ x: "k", y: "v" }))',
            "mime": "image/png",
        },
    ]

    code_inspect_sample = "dataset"


if __name__ == "__main__":
    unittest.main()
