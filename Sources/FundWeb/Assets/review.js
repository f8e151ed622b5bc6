// The weighted total, recomputed as the reviewer chooses scores. A convenience only: the page
// works without it, and the server computes the total again on every save.
(function () {
  var form = document.getElementById("review-form");
  var output = document.getElementById("review-total");
  if (!form || !output) return;
  var french = document.documentElement.lang === "fr";
  function update() {
    var selects = form.querySelectorAll("select[data-weight]");
    var sum = 0;
    var weights = 0;
    for (var i = 0; i < selects.length; i++) {
      var select = selects[i];
      if (select.value === "") {
        output.textContent = output.getAttribute("data-incomplete");
        return;
      }
      var weight = Number(select.getAttribute("data-weight"));
      var min = Number(select.getAttribute("data-min"));
      var max = Number(select.getAttribute("data-max"));
      sum += (weight * (Number(select.value) - min)) / (max - min);
      weights += weight;
    }
    var total = ((sum * 100) / weights).toFixed(1);
    output.textContent = (french ? total.replace(".", ",") : total) + " / 100";
  }
  form.addEventListener("change", update);
})();
