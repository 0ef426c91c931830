"""A notebook written by `dossier notebook --to ipynb` is valid nbformat 4,
names the dossier kernel, carries the outputs, and converts back to the same
script with `dossier notebook --from`. Run by tests/cli/kernel.rs in a
dossier project, with DOSSIER_BIN naming the binary."""

import os
import subprocess
import sys
import unittest

import nbformat

SCRIPT = """// %% [markdown]
// # Round trip
//
// Text with *emphasis*.

// %% Load
let df = frame(#{ k: ["a", "b"], v: [1, 2] }, ["k", "v"]).collect();
print("loaded");
df

// %% Chart
display(chart("bar", df, #{ x: "k", y: "v" }));
debug("drawn");
"""


def dossier(*args):
    return subprocess.run(
        [os.environ["DOSSIER_BIN"], *args], capture_output=True, text=True, timeout=300
    )


class Ipynb(unittest.TestCase):
    def test_valid_notebook_and_round_trip(self):
        os.makedirs("scripts", exist_ok=True)
        with open("scripts/rt.rhai", "w") as f:
            f.write(SCRIPT)
        r = dossier("notebook", "scripts/rt.rhai", "--to", "ipynb", "-o", "out/rt.ipynb")
        self.assertEqual(r.returncode, 0, r.stderr)
        nb = nbformat.read("out/rt.ipynb", as_version=4)
        nbformat.validate(nb)
        self.assertEqual(nb.nbformat, 4)
        self.assertEqual(nb.metadata.kernelspec.name, "dossier")
        self.assertEqual(nb.metadata.kernelspec.display_name, "Rhai (dossier)")
        self.assertEqual(nb.metadata.language_info.name, "rhai")
        kinds = [c.cell_type for c in nb.cells]
        self.assertEqual(kinds, ["markdown", "code", "code"])
        load = nb.cells[1]
        self.assertEqual(load.execution_count, 1)
        self.assertEqual([o.output_type for o in load.outputs], ["stream", "execute_result"])
        self.assertEqual(load.outputs[0].text, "loaded\n")
        self.assertIn("<table", load.outputs[1].data["text/html"])
        chart = nb.cells[2]
        self.assertEqual([o.output_type for o in chart.outputs], ["display_data", "stream"])
        self.assertIn("image/svg+xml", chart.outputs[0].data)
        self.assertIn("image/png", chart.outputs[0].data)
        self.assertEqual(chart.outputs[1].name, "stderr")

        r = dossier("notebook", "--from", "out/rt.ipynb", "-o", "scripts/back.rhai")
        self.assertEqual(r.returncode, 0, r.stderr)
        with open("scripts/back.rhai") as f:
            self.assertEqual(f.read(), SCRIPT)


if __name__ == "__main__":
    unittest.main(argv=sys.argv)
