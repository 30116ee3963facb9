"""The sentence encoder as a process of its own: `python -m bot.nlu.encoder_worker`.

Started by each Rasa server (bot/sentence_batches.py), so that encoding runs on another
core instead of in the server's event loop. The protocol is its pipes: once the weights
are loaded it writes READY; then for each line on stdin, a JSON list of texts, it writes
their vectors, float32 and `encoder.DIMENSIONS` to a row, nothing else. It ends when
stdin closes (its server stopped).
"""
import json
import sys

from bot.nlu import encoder

READY = b"R"


def main() -> None:
    encoder.load()
    requests, replies = sys.stdin.buffer, sys.stdout.buffer
    replies.write(READY)
    replies.flush()
    for line in requests:
        replies.write(encoder.encode(json.loads(line)).tobytes())
        replies.flush()


if __name__ == "__main__":
    main()
