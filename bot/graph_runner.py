"""Rasa's model graph run node after node, in this thread, with the order worked out once.

Rasa 3.6 runs the NLU and policy graph of every message through dask's local scheduler
(`DaskGraphRunner`): each run rebuilds the minimal schema for its targets (a recursive
walk that revisits shared parents), builds a dask graph, and lets dask order and run it.
Under load that bookkeeping was 7 % of the Rasa server's time (dask alone; py-spy), for
a graph that is the same on every message and whose nodes run one after another anyway.

`SequentialGraphRunner` computes each set of targets' order once and then calls the
same nodes with the same inputs as dask would: a node gets each parent's
`(name, output)`, an input is `(input name, value)`, and a name nobody provides is
passed as the bare name (the node itself reports it). Training keeps Rasa's runner.
"""
from typing import Any, Dict, List, Optional, Sequence, Text, Tuple

from rasa.engine.exceptions import GraphRunError
from rasa.engine.graph import GraphSchema
from rasa.engine.runner.dask import DaskGraphRunner

Plan = List[Tuple[Text, Sequence[Text]]]


class SequentialGraphRunner(DaskGraphRunner):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plans: Dict[Tuple[Text, ...], Plan] = {}

    def run(self, inputs: Optional[Dict[Text, Any]] = None,
            targets: Optional[List[Text]] = None) -> Dict[Text, Any]:
        run_targets = list(targets) if targets else self._graph_schema.target_names
        plan = self._plans.get(tuple(run_targets))
        if plan is None:
            plan = self._plans[tuple(run_targets)] = _plan(self._graph_schema, run_targets)
        results: Dict[Text, Any] = {}
        for name, value in (inputs or {}).items():
            if isinstance(value, str) and any(name_ == value for name_, _ in plan):
                raise GraphRunError(
                    f"Input value '{value}' clashes with a node name. Make sure that "
                    f"none of the input names passed to the `run` method are the same "
                    f"as node names in the graph schema.")
            results[name] = (name, value)
        try:
            for name, needs in plan:
                results[name] = self._instantiated_nodes[name](
                    *(results.get(need, need) for need in needs))
        except RuntimeError as error:
            raise GraphRunError("Error running runner.") from error
        return dict(results[target] for target in run_targets)


def _plan(schema: GraphSchema, targets: List[Text]) -> Plan:
    """The nodes the targets need, each after its parents (depth first, once each)."""
    order: Plan = []
    placed = set()

    def place(name: Text) -> None:
        if name in placed or name not in schema.nodes:
            return
        placed.add(name)
        needs = list(schema.nodes[name].needs.values())
        for need in needs:
            place(need)
        order.append((name, needs))

    for target in targets:
        place(target)
    return order


def install() -> None:
    """Serving loads its model graph with this runner (rasa/core/processor.py)."""
    import rasa.core.processor

    rasa.core.processor.DaskGraphRunner = SequentialGraphRunner
