# The two commands of the README. Each does its own set-up on a fresh machine.
PORT ?= 8501

.PHONY: run test lint bench

run:
	bash scripts/setup.sh run
	.venv/bin/streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT)

test:
	bash scripts/setup.sh test
	.venv/bin/ruff check .
	.venv/bin/python -m pytest

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

bench:
	.venv/bin/python bench/join.py
