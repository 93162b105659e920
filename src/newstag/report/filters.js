"use strict";
(function () {
  const byId = (id) => document.getElementById(id);
  const label = byId("f-label"), actor = byId("f-actor"), month = byId("f-month");
  const denial = byId("f-denial"), status = byId("f-status"), form = byId("filters");
  // The taxonomy's tokens come from the page: the prefix of the `who` group's values and the
  // denial's token. The actor-or-party filter matches a sentence's rows in the tables (data-r:
  // the parties its spans name, the `who` values no span stands for); the others its labels.
  const whoPrefix = form.dataset.who, denialToken = form.dataset.denial;
  const articles = Array.from(document.querySelectorAll("article.art"));
  const sentences = articles.map((a) => Array.from(a.querySelectorAll(".s")));

  let filtered = false;

  function apply() {
    const wanted = [label.value, denial.checked ? denialToken : ""].filter(Boolean);
    const row = actor.value;
    const inMonth = month ? month.value : "";
    const active = wanted.length > 0 || row !== "" || inMonth !== "";
    // Unfiltered and nothing hidden: skip the walk over every sentence (it is most of the load time).
    const [matched, shown] = active || filtered ? walk(wanted, row, inMonth, active) : [0, articles.length];
    filtered = active;
    status.textContent = active
      ? matched + " sentences in " + shown + " articles match"
      : articles.length + " articles";
  }

  function walk(wanted, row, inMonth, active) {
    let matched = 0, shown = 0;
    articles.forEach((article, i) => {
      const monthOk = !inMonth || article.dataset.month === inMonth;
      let any = false;
      for (const s of sentences[i]) {
        const ok = monthOk && (!row || (s.dataset.r || "").split("|").includes(row))
          && wanted.every((t) => s.dataset.l.split(" ").includes(t));
        s.hidden = active && !ok;
        if (ok) { any = true; matched += 1; }
      }
      article.hidden = active && !any;
      if (!article.hidden) shown += 1;
    });
    return [matched, shown];
  }

  function show(link) {
    const tokens = link.dataset.f.split(" ");
    actor.value = link.dataset.party || tokens.find((t) => t.startsWith(whoPrefix)) || "";
    denial.checked = tokens.includes(denialToken);
    label.value = tokens.find((t) => !t.startsWith(whoPrefix) && t !== denialToken) || "";
    if (month) month.value = link.dataset.month || "";
    apply();
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest("a.count");
    if (link) show(link);
  });
  for (const control of [label, actor, month, denial]) {
    if (control) control.addEventListener("change", apply);
  }
  byId("f-clear").addEventListener("click", () => {
    byId("filters").reset();
    apply();
  });
  apply();
})();
