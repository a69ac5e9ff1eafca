"""RDF graph of the documents (ontology, reasoning, SPARQL, alignment); built from ``ingest`` dataclasses."""
