"""Protocol details beyond jupyter_kernel_test, on the installed dossier
kernel: state across cells, completion of variables and of frame columns
inside strings (cursor positions in code points), inspect of a variable,
silent and store_history, user_expressions, parent headers and busy/idle
around control requests. Run by tests/cli/kernel.rs."""

import sys
import time
import unittest

from jupyter_client.manager import start_new_kernel

TIMEOUT = 60


class Protocol(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.km, cls.kc = start_new_kernel(kernel_name="dossier", startup_timeout=TIMEOUT)

    @classmethod
    def tearDownClass(cls):
        cls.kc.stop_channels()
        cls.km.shutdown_kernel()

    def run_cell(self, code, **kw):
        msg_id = self.kc.execute(code, **kw)
        reply = self.kc.get_shell_msg(timeout=TIMEOUT)
        self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
        outputs = []
        states = []
        while True:
            m = self.kc.get_iopub_msg(timeout=TIMEOUT)
            if m["parent_header"].get("msg_id") != msg_id:
                continue
            if m["msg_type"] == "status":
                states.append(m["content"]["execution_state"])
                if states[-1] == "idle":
                    break
            else:
                outputs.append(m)
        self.assertEqual(states, ["busy", "idle"])
        return reply, outputs

    def test_state_completion_and_inspect(self):
        reply, _ = self.run_cell('let trade = dataset("trade");')
        self.assertEqual(reply["content"]["status"], "ok")
        # A variable from an earlier cell.
        self.kc.complete("tra")
        c = self.kc.get_shell_msg(timeout=TIMEOUT)["content"]
        self.assertIn("trade", c["matches"])
        self.assertEqual((c["cursor_start"], c["cursor_end"]), (0, 3))
        # Column names inside a string; the cursor counts code points (é).
        code = 'print("épée"); col("valu'
        self.kc.complete(code, cursor_pos=len(code))
        c = self.kc.get_shell_msg(timeout=TIMEOUT)["content"]
        self.assertEqual(c["matches"], ["value_usd"])
        self.assertEqual((c["cursor_start"], c["cursor_end"]), (len(code) - 4, len(code)))
        # Inspect a variable: its type and columns.
        self.kc.inspect("trade", cursor_pos=2)
        i = self.kc.get_shell_msg(timeout=TIMEOUT)["content"]
        self.assertTrue(i["found"])
        self.assertIn("trade: LazyFrame", i["data"]["text/plain"])
        self.assertIn("value_usd", i["data"]["text/plain"])
        # Inspect a function: its API docs, also as Markdown.
        self.kc.inspect("chart(", cursor_pos=6)
        i = self.kc.get_shell_msg(timeout=TIMEOUT)["content"]
        self.assertIn("chart(kind, frame", i["data"]["text/plain"])
        self.assertIn("```rhai", i["data"]["text/markdown"])

    def test_counts_silent_and_user_expressions(self):
        first, _ = self.run_cell("1")
        n = first["content"]["execution_count"]
        silent, outputs = self.run_cell('print("quiet"); 5', silent=True)
        self.assertEqual(outputs, [])
        self.assertEqual(silent["content"]["execution_count"], n)
        unstored, _ = self.run_cell("2", store_history=False)
        self.assertEqual(unstored["content"]["execution_count"], n)
        reply, outputs = self.run_cell(
            "let k = 20;", user_expressions={"double": "k * 2", "bad": "nope"}
        )
        self.assertEqual(reply["content"]["execution_count"], n + 1)
        ue = reply["content"]["user_expressions"]
        self.assertEqual(ue["double"]["data"]["text/plain"], "40")
        self.assertEqual(ue["bad"]["status"], "error")
        self.assertEqual([o["msg_type"] for o in outputs], ["execute_input"])

    def test_stop_on_error_aborts_queued_executions(self):
        # The first cell works a while, then fails; the second is queued
        # behind it by then and is aborted, as ipykernel does.
        first = self.kc.execute("let w = 0;\nwhile w < 300000 { w += 1; }\nnot_defined_here")
        second = self.kc.execute('print("must not run")')
        replies = {}
        while len(replies) < 2:
            r = self.kc.get_shell_msg(timeout=TIMEOUT)
            replies[r["parent_header"]["msg_id"]] = r["content"]
        self.assertEqual(replies[first]["status"], "error")
        self.assertEqual(replies[second]["status"], "aborted")
        # Without stop_on_error the next one runs.
        third = self.kc.execute("not_defined_either", stop_on_error=False)
        fourth = self.kc.execute("1 + 2")
        replies = {}
        while len(replies) < 2:
            r = self.kc.get_shell_msg(timeout=TIMEOUT)
            replies[r["parent_header"]["msg_id"]] = r["content"]
        self.assertEqual(replies[third]["status"], "error")
        self.assertEqual(replies[fourth]["status"], "ok")
        # An error inside a function shows the line of the input that defined it.
        self.run_cell("fn boom(x) {\n  x + nowhere\n}", store_history=False)
        reply, _ = self.run_cell("boom(1)")
        tb = "\n".join(reply["content"]["traceback"])
        self.assertIn("x + nowhere", tb)

    def test_control_kernel_info_and_interrupt_while_running(self):
        # kernel_info on control, with busy/idle for it on IOPub.
        msg = self.kc.session.msg("kernel_info_request", {})
        self.kc.control_channel.send(msg)
        reply = self.kc.get_control_msg(timeout=TIMEOUT)
        self.assertEqual(reply["parent_header"]["msg_id"], msg["header"]["msg_id"])
        self.assertEqual(reply["content"]["language_info"]["name"], "rhai")
        # An interrupt stops a running loop; the kernel keeps its variables.
        self.run_cell("let before = 7;")
        msg_id = self.kc.execute("let i = 0;\nwhile true { i += 1; }")
        time.sleep(1)
        self.km.interrupt_kernel()
        reply = self.kc.get_shell_msg(timeout=TIMEOUT)
        self.assertEqual(reply["parent_header"]["msg_id"], msg_id)
        self.assertEqual(reply["content"]["status"], "error")
        self.assertEqual(reply["content"]["ename"], "Interrupt")
        reply, outputs = self.run_cell("before * 6")
        result = [o for o in outputs if o["msg_type"] == "execute_result"]
        self.assertEqual(result[0]["content"]["data"]["text/plain"], "42")


if __name__ == "__main__":
    unittest.main(argv=sys.argv)
