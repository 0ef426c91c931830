"""nbclient runs a notebook on the installed dossier kernel: a frame's HTML
table, an SVG chart, an error (allow_errors) whose traceback shows the cell
line, an endless loop stopped by an interrupt (the kernel lives on, state
intact), and a clean shutdown (the kernel process exits 0 by itself).
Run by tests/cli/kernel.rs with JUPYTER_PATH at a --prefix install."""

import sys
import unittest

import nbformat
from jupyter_core.utils import run_sync
from nbclient import NotebookClient

# Seconds the endless loop runs before nbclient interrupts it.
LOOP_TIMEOUT = 3
# Seconds any other cell may take (a debug build on a loaded two-core machine).
CELL_TIMEOUT = 120
# Seconds the kernel has to exit after a shutdown request.
SHUTDOWN_TIMEOUT = 20


def code(source):
    return nbformat.v4.new_code_cell(source)


class NotebookOnDossierKernel(unittest.TestCase):
    def test_notebook(self):
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "dossier", "display_name": "Rhai (dossier)", "language": "rhai"}
        nb.cells = [
            nbformat.v4.new_markdown_cell("# A notebook on dossier"),
            code('let df = frame(#{ country: ["KAZ", "ISR"], v: [3, 1] }, ["country", "v"]).collect();\ndf'),
            code('chart("bar", df, #{ x: "country", y: "v", title: "Trade" })'),
            code('print("before the error");\nlet x = 1;\nx + missing_var'),
            code("let n = 0;\nloop { n += 1; }"),
            code('print(`alive: ${df.height} rows, n > 0: ${n > 0}`);'),
        ]
        client = NotebookClient(
            nb,
            kernel_name="dossier",
            allow_errors=True,
            interrupt_on_timeout=True,
            timeout_func=lambda cell: LOOP_TIMEOUT if "loop" in cell.source else CELL_TIMEOUT,
            iopub_timeout=10,
        )
        # Keep the kernel after the run, to shut it down here and watch it exit.
        client.execute(cleanup_kc=False)
        km = client.km
        try:
            cells = nb.cells

            table = cells[1].outputs
            self.assertEqual([o.output_type for o in table], ["execute_result"], table)
            html = table[0].data["text/html"]
            self.assertIn("<table", html)
            self.assertIn("<td>KAZ</td>", html)
            self.assertIn("shape: (2, 2)", table[0].data["text/plain"])
            self.assertEqual(table[0].execution_count, 1)

            chart = cells[2].outputs[0]
            self.assertTrue(chart.data["image/svg+xml"].startswith("<svg"), chart.data)
            self.assertIn(">Trade</text>", chart.data["image/svg+xml"])
            self.assertIn("image/png", chart.data)

            err = cells[3].outputs
            self.assertEqual([o.output_type for o in err], ["stream", "error"], err)
            self.assertEqual(err[0].text, "before the error\n")
            self.assertEqual(err[1].ename, "RuntimeError")
            self.assertIn("unknown variable `missing_var`", err[1].evalue)
            tb = "\n".join(err[1].traceback)
            self.assertIn("In[3]:3:5", tb)
            self.assertIn("3 │ x + missing_var", tb)
            self.assertIn("^^^^^^^^^^^", tb)

            stopped = cells[4].outputs
            self.assertEqual([o.output_type for o in stopped], ["error"], stopped)
            self.assertEqual(stopped[0].ename, "Interrupt")

            alive = cells[5].outputs
            self.assertEqual(alive[0].text, "alive: 2 rows, n > 0: true\n", alive)
        finally:
            process = km.provisioner.process
            client.kc.stop_channels()
            # A graceful shutdown: shutdown_request on control, then wait
            # (jupyter_client kills the kernel if it is still there after
            # shutdown_wait_time; a killed kernel exits with -9, not 0).
            km.shutdown_wait_time = SHUTDOWN_TIMEOUT
            run_sync(km.shutdown_kernel)(now=False)
            self.assertEqual(process.wait(timeout=SHUTDOWN_TIMEOUT), 0, "the kernel did not exit cleanly")


if __name__ == "__main__":
    unittest.main(argv=sys.argv)
