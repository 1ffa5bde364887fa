"""Runs a command on a pseudo-terminal of its own, as a user's terminal emulator would.

Usage: pty-drive.py COLS ROWS COMMAND...
Reads JSON lines on stdin: {"write": TEXT} types TEXT, {"resize": [COLS, ROWS]} resizes the terminal
(the kernel sends SIGWINCH), {"signal": NAME} signals the command. The terminal's output goes to
stdout. When the command has exited, one JSON line goes to stderr: its exit code (negative: killed by
a signal) and whether the terminal is back in cooked mode (echo and canonical input on).
"""
import fcntl
import json
import os
import select
import signal
import struct
import subprocess
import sys
import termios


def set_size(fd, cols, rows):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))


def main():
    cols, rows, command = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3:]
    master, slave = os.openpty()
    set_size(slave, cols, rows)
    proc = subprocess.Popen(
        command,
        stdin=slave,
        stdout=slave,
        stderr=slave,
        start_new_session=True,
        # The pty becomes the command's controlling terminal, so resizes reach it as SIGWINCH.
        preexec_fn=lambda: fcntl.ioctl(0, termios.TIOCSCTTY, 0),
    )
    stdin_open = True
    pending = b""
    while True:
        readable, _, _ = select.select([master] + ([0] if stdin_open else []), [], [], 0.05)
        if master in readable:
            try:
                data = os.read(master, 65536)
            except OSError:
                data = b""
            if data:
                sys.stdout.buffer.write(data)
                sys.stdout.buffer.flush()
        if 0 in readable:
            chunk = os.read(0, 65536)
            if not chunk:
                stdin_open = False
            pending += chunk
            while b"\n" in pending:
                line, pending = pending.split(b"\n", 1)
                step = json.loads(line)
                if "write" in step:
                    os.write(master, step["write"].encode())
                elif "resize" in step:
                    set_size(master, step["resize"][0], step["resize"][1])
                elif "signal" in step:
                    proc.send_signal(getattr(signal, step["signal"]))
        if proc.poll() is not None and master not in readable:
            break
    lflag = termios.tcgetattr(slave)[3]
    sys.stderr.write(
        json.dumps({"exit": proc.returncode, "cooked": bool(lflag & termios.ECHO) and bool(lflag & termios.ICANON)})
        + "\n"
    )


main()
