-- crimeplan: Lua filter for the Quarto renderer (`filters` in _quarto.yml, after Quarto's own).
--
-- 1. Charts: a div `.crimeplan-html include="_figures/<name>.html"` (written by
--    crimeplan.render.quarto) becomes that file's HTML in the HTML page (the interactive
--    chart with its fallback image), and its content (the static figure as raw Typst)
--    elsewhere.
-- 2. Unwrap the notebook cell divs Quarto puts around every cell and output, so that the
--    document has the built-in renderer's structure: one <section> per priority holding its
--    whole content (Pandoc makes sections from headings at the same level only), and, in
--    Typst, headings and the figures after them in one flow (a heading is kept with what
--    follows it only within the same block).
-- 3. HTML: put the content in <main>, after the cover and contents, as the built-in
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

local function read_html(name)
  local path = pandoc.path.join({ pandoc.path.directory(quarto.doc.input_file), name })
  local file = io.open(path, "rb")
  if file == nil then
    error("crimeplan.lua: cannot read " .. path)
  end
  local html = file:read("a")
  file:close()
  return html
end

local blocks = {
  Div = function(el)
    if el.classes:includes("crimeplan-html") then
      if quarto.doc.is_format("html") then
        return pandoc.RawBlock("html", read_html(el.attributes["include"]))
      end
      return el.content
    end
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

return { blocks, main }
