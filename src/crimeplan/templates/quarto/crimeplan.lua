-- crimeplan: Lua filter for the Quarto renderer (`filters` in _quarto.yml, after Quarto's own).
--
-- 1. Unwrap the notebook cell divs Quarto puts around every cell and output, so that the
--    document has the built-in renderer's structure: one <section> per priority holding its
--    whole content (Pandoc makes sections from headings at the same level only), and, in
--    Typst, headings and the figures after them in one flow (a heading is kept with what
--    follows it only within the same block).
-- 2. HTML: put the content in <main>, after the cover and contents, as the built-in
--    template does.

local CELL_CLASSES = { "cell", "cell-output", "cell-output-display", "cell-output-markdown" }

local function is_cell(el)
  for _, class in ipairs(CELL_CLASSES) do
    if el.classes:includes(class) then
      return true
    end
  end
  return false
end

local unwrap = {
  Div = function(el)
    if is_cell(el) then
      return el.content
    end
  end,
}

local main = {
  Pandoc = function(doc)
    if quarto.doc.is_format("html") then
      doc.blocks:insert(1, pandoc.RawBlock("html", "<main>"))
      quarto.doc.include_text("after-body", "</main>")
    end
    return doc
  end,
}

return { unwrap, main }
