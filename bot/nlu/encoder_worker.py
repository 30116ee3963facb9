"""The sentence encoder as a process of its own: `python -m bot.nlu.encoder_worker`.

Started by each Rasa server (bot/sentence_batches.py), so that encoding runs on another
core instead of in the server's event loop. The protocol is its pipes: once the weights
are loaded it writes READY; then for each line on stdin, a JSON list of texts, it writes
ENCODED and their vectors (float32, `encoder.DIMENSIONS` to a row), or FAILED when
those texts could not be encoded (the server then encodes them itself, and says why).
It ends when stdin closes: its server stopped.
"""
import json
import sys

from foundation import sentence_encoder as encoder

READY, ENCODED, FAILED = b"R", b"V", b"F"


def main() -> None:
    encoder.load()
    requests, replies = sys.stdin.buffer, sys.stdout.buffer
    replies.write(READY)
    replies.flush()
    for line in requests:
        try:
            vectors = encoder.encode(json.loads(line))
        except Exception:  # one strange text must not take the encoder away from all
            replies.write(FAILED)
        else:
            replies.write(ENCODED + vectors.tobytes())
        replies.flush()


if __name__ == "__main__":
    main()
