"""scikit-learn's batch variational LDA with its E-step done for all documents at once.

scikit-learn updates each document's topic distribution in a Python loop over documents, so
on short descriptions nearly all of a fit's time is interpreter overhead (about 100 µs per
document per iteration). `BatchLDA` runs the same fixed-point update on every unconverged
document together, as sparse-matrix products: the same random start, the same update, the
same per-document stopping rule (mean change below `mean_change_tol`, at most
`max_doc_update_iter` rounds), the same sufficient statistics. The variational bound (which
`fit` computes at its end and `perplexity` reports) is likewise summed over all words at once.
Only the order of floating-point sums differs, so its fits agree with scikit-learn's to about
1e-8, 1e-5 where documents never converge (`tests/test_recorded_snapshot.py` checks it on the
real descriptions), and take a third of the time. Everything else (the M-step, `transform`,
`perplexity`) is scikit-learn's own.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.special import gammaln, logsumexp, psi
from sklearn.decomposition import LatentDirichletAllocation


def dirichlet_expectation(gamma: np.ndarray) -> np.ndarray:
    """E[log theta] of each row's Dirichlet(gamma)."""
    return psi(gamma) - psi(gamma.sum(axis=1, keepdims=True))


def exp_dirichlet_expectation(gamma: np.ndarray) -> np.ndarray:
    return np.exp(dirichlet_expectation(gamma))


def entry_rows(X: sparse.csr_matrix) -> np.ndarray:
    """The row (document) of each stored entry of a CSR matrix, in storage order."""
    return np.repeat(np.arange(X.shape[0]), np.diff(X.indptr))


def prior_bound(prior: float, gamma: np.ndarray, e_log: np.ndarray, size: int) -> float:
    """E[log p(x | prior) - log q(x | gamma)] of Dirichlet rows: the bound's term for the mixtures or the topics."""
    return float(
        np.sum((prior - gamma) * e_log)
        + np.sum(gammaln(gamma) - gammaln(prior))
        + np.sum(gammaln(prior * size) - gammaln(gamma.sum(axis=1)))
    )


class BatchLDA(LatentDirichletAllocation):
    """`LatentDirichletAllocation` whose E-step updates the documents together (see the module)."""

    def _e_step(
        self, X: sparse.spmatrix, cal_sstats: bool, random_init: bool, parallel: object = None
    ) -> tuple[np.ndarray, np.ndarray | None]:
        X = sparse.csr_matrix(X)
        n, k = X.shape[0], self.n_components
        start = self.random_state_.gamma(100.0, 0.01, (n, k)) if random_init else np.ones((n, k))
        gamma = start.astype(X.dtype, copy=False)
        exp_theta = exp_dirichlet_expectation(gamma)
        beta = self.exp_dirichlet_component_
        eps = np.finfo(X.dtype).eps

        def weights(docs: np.ndarray) -> sparse.csr_matrix:
            """The documents' counts, each divided by its word's normaliser of the topic responsibilities."""
            sub = X[docs]
            sub.data = sub.data / (np.einsum("nk,kn->n", exp_theta[docs][entry_rows(sub)], beta[:, sub.indices]) + eps)
            return sub

        active = np.arange(n)
        for _ in range(self.max_doc_update_iter):
            new = exp_theta[active] * (weights(active) @ beta.T) + self.doc_topic_prior_
            exp_theta[active] = exp_dirichlet_expectation(new)
            change = np.abs(new - gamma[active]).mean(axis=1)
            gamma[active] = new
            active = active[change >= self.mean_change_tol]
            if active.size == 0:
                break
        if not cal_sstats:
            return gamma, None
        return gamma, np.asarray(weights(np.arange(n)).T @ exp_theta).T * beta

    def _approx_bound(self, X: sparse.spmatrix, doc_topic_distr: np.ndarray, sub_sampling: bool) -> float:
        X = sparse.csr_matrix(X)
        e_log_theta = dirichlet_expectation(doc_topic_distr)
        e_log_beta = dirichlet_expectation(self.components_)
        words = X.data @ logsumexp(e_log_theta[entry_rows(X)] + e_log_beta[:, X.indices].T, axis=1)
        documents = words + prior_bound(self.doc_topic_prior_, doc_topic_distr, e_log_theta, self.n_components)
        if sub_sampling:
            documents *= self.total_samples / X.shape[0]
        topics = prior_bound(self.topic_word_prior_, self.components_, e_log_beta, self.components_.shape[1])
        return float(documents + topics)
