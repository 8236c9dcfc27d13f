-- A script's reply on its common path: the result alone when the call
-- ended no session, else { result, ended } (src/scripts/reply.ts tells
-- the two apart). A reply table costs Redis about 9k instructions, as much
-- as a third of a whole read. The result of a bare reply is never false or
-- nil, nor a table whose second element is a table.
local function replyOf(result, ended)
  if #ended == 0 then
    return result
  end
  return { result, ended }
end
