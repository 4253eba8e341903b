"""logreg_course: the course's own helpers, next to the reference `logreg_ref`.

`logreg_course.explorers` embeds the book's interactive explorers (a sigmoid
explorer and a threshold explorer) in a page: a code cell calls a function, the
function returns HTML with the data computed at build time, and the site's
JavaScript (``_static/explorers.js``) makes it interactive without a kernel.
"""
